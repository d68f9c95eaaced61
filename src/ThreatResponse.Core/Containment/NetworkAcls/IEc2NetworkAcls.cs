namespace ThreatResponse.Core.Containment.NetworkAcls;

/// <summary>EC2, on a VPC's network ACLs: read, and deny entries added and removed.</summary>
public interface IEc2NetworkAcls
{
    /// <summary>The VPC's network ACLs with their subnets and entries.</summary>
    Task<IReadOnlyList<NetworkAclState>> DescribeNetworkAclsAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken);

    /// <summary>One network ACL by id; null when it no longer exists.</summary>
    Task<NetworkAclState?> DescribeNetworkAclAsync(AwsScope scope, string networkAclId, CancellationToken cancellationToken);

    /// <summary>Adds the deny entry; <c>NetworkAclEntryAlreadyExists</c> when its number is taken.</summary>
    Task CreateNetworkAclDenyEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken);

    Task DeleteNetworkAclEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken);
}
