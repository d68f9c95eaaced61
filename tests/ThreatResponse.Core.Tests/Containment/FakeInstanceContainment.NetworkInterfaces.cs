using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>The in-memory EC2, NetworkInterfaces: the operations of that room.</summary>
internal sealed partial class FakeInstanceContainment
{
    public Task SetConnectionTrackingAsync(InstanceReference instance, string networkInterfaceId, ConnectionTrackingState timeouts, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetConnectionTracking", networkInterfaceId, $"{timeouts.TcpEstablished}/{timeouts.UdpStream}/{timeouts.Udp}", dryRun, () => Eni(instance, networkInterfaceId).Tracking = timeouts);

    /// <summary>Security groups outside the quarantine ones, by id: their VPC. Unknown ids are in the instance's VPC ("vpc-1") unless listed.</summary>
    public Dictionary<string, string> SecurityGroupVpcs { get; } = new(StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, string>> FindSecurityGroupVpcsAsync(AwsScope scope, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        await CallAsync("FindSecurityGroupVpcs", scope.Account, Keys(groupIds));
        lock (_lock)
        {
            return groupIds.Where(id => SecurityGroupVpcs.GetValueOrDefault(id) != "gone").ToDictionary(id => id, id => SecurityGroupVpcs.GetValueOrDefault(id, "vpc-1"), StringComparer.Ordinal);
        }
    }

    public Task SetNetworkInterfaceGroupsAsync(InstanceReference instance, string networkInterfaceId, IReadOnlyList<string> groupIds, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetNetworkInterfaceGroups", networkInterfaceId, string.Join(',', groupIds), dryRun, () => Eni(instance, networkInterfaceId).GroupIds = [.. groupIds]);
}
