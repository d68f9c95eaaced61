using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>The in-memory EC2, NetworkAcls: the operations of that room.</summary>
internal sealed partial class FakeInstanceContainment
{
    public async Task<IReadOnlyList<NetworkAclState>> DescribeNetworkAclsAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken)
    {
        await CallAsync("DescribeNetworkAcls", vpcId);
        lock (_lock)
        {
            return [.. NetworkAcls.Where(a => a.VpcId == vpcId).Select(a => new NetworkAclState(a.Id, a.VpcId, [.. a.SubnetIds], [.. a.Entries]))];
        }
    }

    public async Task<NetworkAclState?> DescribeNetworkAclAsync(AwsScope scope, string networkAclId, CancellationToken cancellationToken)
    {
        await CallAsync("DescribeNetworkAcl", networkAclId);
        lock (_lock)
        {
            return NetworkAcls.Where(a => a.Id == networkAclId).Select(a => new NetworkAclState(a.Id, a.VpcId, [.. a.SubnetIds], [.. a.Entries])).FirstOrDefault();
        }
    }

    public Task CreateNetworkAclDenyEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("CreateNetworkAclEntry", entry.NetworkAclId, $"#{entry.RuleNumber} {(entry.Egress ? "out" : "in")} {entry.Cidr}", dryRun, () =>
        {
            var acl = NetworkAcls.Single(a => a.Id == entry.NetworkAclId);
            if (acl.Entries.Any(e => e.RuleNumber == entry.RuleNumber && e.Egress == entry.Egress))
            {
                throw new AwsOperationException("CreateNetworkAclEntry", "NetworkAclEntryAlreadyExists", "taken");
            }

            acl.Entries.Add(new NetworkAclEntryState(entry.RuleNumber, entry.Egress, Allow: false, "-1", entry.Cidr));
        });

    public Task DeleteNetworkAclEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("DeleteNetworkAclEntry", entry.NetworkAclId, $"#{entry.RuleNumber} {(entry.Egress ? "out" : "in")}", dryRun,
            () => NetworkAcls.Single(a => a.Id == entry.NetworkAclId).Entries.RemoveAll(e => e.RuleNumber == entry.RuleNumber && e.Egress == entry.Egress));
}
