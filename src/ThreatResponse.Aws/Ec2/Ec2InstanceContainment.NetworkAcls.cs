using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Aws.Ec2;

/// <summary>Network ACLs: read per VPC, deny entries added and removed one number at a time.</summary>
public sealed partial class Ec2InstanceContainment
{
    public async Task<IReadOnlyList<NetworkAclState>> DescribeNetworkAclsAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);
        var acls = new List<NetworkAclState>();
        string? next = null;
        do
        {
            var page = (await CallAsync(scope, "DescribeNetworkAcls", () => ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest
            {
                Filters = [new Filter("vpc-id", [vpcId])],
                NextToken = next,
            }, cancellationToken), cancellationToken))!;
            acls.AddRange((page.NetworkAcls ?? []).Select(ToState));
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return acls;
    }

    public async Task<NetworkAclState?> DescribeNetworkAclAsync(AwsScope scope, string networkAclId, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);

        DescribeNetworkAclsResponse page;
        try
        {
            page = (await CallAsync(scope, "DescribeNetworkAcls", () => ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { NetworkAclIds = [networkAclId] }, cancellationToken), cancellationToken))!;
        }
        catch (AwsOperationException e) when (e.ErrorCode == "InvalidNetworkAclID.NotFound")
        {
            return null;
        }

        return (page.NetworkAcls ?? []).Select(ToState).FirstOrDefault();
    }

    public Task CreateNetworkAclDenyEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var ipv6 = entry.Cidr.Contains(':', StringComparison.Ordinal);
        return MutateAsync(scope, "CreateNetworkAclEntry", dryRun, (ec2, ct) => ec2.CreateNetworkAclEntryAsync(new CreateNetworkAclEntryRequest
        {
            NetworkAclId = entry.NetworkAclId,
            RuleNumber = entry.RuleNumber,
            Egress = entry.Egress,
            Protocol = "-1",
            RuleAction = RuleAction.Deny,
            CidrBlock = ipv6 ? null : entry.Cidr,
            Ipv6CidrBlock = ipv6 ? entry.Cidr : null,
            DryRun = dryRun,
        }, ct), cancellationToken);
    }

    private static NetworkAclState ToState(NetworkAcl a) => new(
        a.NetworkAclId,
        a.VpcId,
        [.. (a.Associations ?? []).Select(s => s.SubnetId).OfType<string>()],
        [.. (a.Entries ?? []).Select(e => new NetworkAclEntryState(
            e.RuleNumber ?? 0,
            e.Egress ?? false,
            e.RuleAction?.Value == "allow",
            e.Protocol ?? "-1",
            e.CidrBlock ?? e.Ipv6CidrBlock))]);

    public Task DeleteNetworkAclEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return MutateAsync(scope, "DeleteNetworkAclEntry", dryRun, (ec2, ct) => ec2.DeleteNetworkAclEntryAsync(new DeleteNetworkAclEntryRequest
        {
            NetworkAclId = entry.NetworkAclId,
            RuleNumber = entry.RuleNumber,
            Egress = entry.Egress,
            DryRun = dryRun,
        }, ct), cancellationToken);
    }
}
