using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
namespace ThreatResponse.Core.Containment.NetworkAcls;

/// <summary>
/// Removes the network ACL deny entries an isolation added — exactly those: an entry is deleted only when the number
/// still holds our deny for the same address; anything else there now is left alone.
/// </summary>
internal sealed class NetworkAclRemoval(IInstanceContainment ec2)
{
    private const ContainmentAction Release = ContainmentAction.Release;

    public async Task<bool> RemoveAsync(InstanceContext context, IReadOnlyList<NetworkAclDenyEntry> entries, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (entries.Count == 0)
        {
            return true;
        }

        var scope = AwsScope.Of(context.Instance);
        var ids = entries.Select(e => e.NetworkAclId).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyList<NetworkAclState> acls = [];
        var described = await log.RunAsync(Release, StepName.DescribeNetworkAcls, string.Join(',', ids), dryRun: false, async () =>
        {
            acls = [.. (await Task.WhenAll(ids.Select(id => ec2.DescribeNetworkAclAsync(scope, id, cancellationToken)))).OfType<NetworkAclState>()];
            return $"{acls.Count} of {ids.Count} ACL(s) found";
        });
        if (!described)
        {
            return false;
        }

        var work = new List<Task<bool>>();
        foreach (var byAcl in entries.GroupBy(e => e.NetworkAclId, StringComparer.Ordinal))
        {
            var acl = acls.FirstOrDefault(a => a.NetworkAclId == byAcl.Key);
            var ours = byAcl.Where(e => acl?.Entries.Any(e.Matches) == true).ToList();
            var notOurs = byAcl.Except(ours).ToList();
            if (notOurs.Count > 0)
            {
                log.Skip(Release, StepName.RemoveNetworkAclEntries, byAcl.Key, acl is null
                    ? "the ACL is gone"
                    : $"no longer ours, left as they are: {string.Join(", ", notOurs)}");
            }

            if (ours.Count > 0)
            {
                work.Add(log.RunAsync(Release, StepName.RemoveNetworkAclEntries, byAcl.Key, context.DryRun, async () =>
                {
                    await Task.WhenAll(ours.Select(e => ec2.DeleteNetworkAclEntryAsync(scope, e, context.DryRun, cancellationToken)));
                    return $"removed {string.Join(", ", ours.Select(e => $"#{e.RuleNumber} {(e.Egress ? "out" : "in")} {e.Cidr}"))}";
                }));
            }
        }

        return (await Task.WhenAll(work)).All(ok => ok);
    }
}
