using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Isolation;

/// <summary>EC2, on an instance's ENIs: their security groups and connection tracking.</summary>
public interface IEc2NetworkInterfaces
{
    /// <summary>The ENI's connection-tracking timeouts.</summary>
    Task SetConnectionTrackingAsync(InstanceReference instance, string networkInterfaceId, ConnectionTrackingState timeouts, bool dryRun, CancellationToken cancellationToken);

    /// <summary>The VPC of each security group found; groups that do not exist are left out.</summary>
    Task<IReadOnlyDictionary<string, string>> FindSecurityGroupVpcsAsync(AwsScope scope, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken);

    /// <summary>Replaces the ENI's security groups (per ENI, never per instance: that fails with several ENIs).</summary>
    Task SetNetworkInterfaceGroupsAsync(InstanceReference instance, string networkInterfaceId, IReadOnlyList<string> groupIds, bool dryRun, CancellationToken cancellationToken);
}
