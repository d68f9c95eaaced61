using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>The in-memory EC2, Groups: the operations of that room.</summary>
internal sealed partial class FakeInstanceContainment
{
    public async Task<IReadOnlyList<QuarantineGroup>> DescribeQuarantineGroupsAsync(AwsScope scope, IReadOnlyCollection<RecordedQuarantineGroup> recorded, CancellationToken cancellationToken)
    {
        await CallAsync("DescribeQuarantineGroups", string.Join(',', recorded.Select(r => r.GroupId)));
        lock (_lock)
        {
            return [.. Groups.Where(g => recorded.Any(r => r.GroupId == g.GroupId && r.VpcId == g.VpcId)).Select(g => g with { Role = recorded.First(r => r.GroupId == g.GroupId).Role })];
        }
    }

    /// <summary>The groups of <see cref="Groups"/> stand for those named as ThreatResponse names them: the first of each role.</summary>
    public async Task<IReadOnlyList<NamedQuarantineGroup>> FindQuarantineGroupsByNameAsync(AwsScope scope, CancellationToken cancellationToken)
    {
        await CallAsync("FindQuarantineGroupsByName", scope.Account);
        lock (_lock)
        {
            return [.. Groups.GroupBy(g => (g.VpcId, g.Role)).Select(named => named.First()).Select(g => new NamedQuarantineGroup(g,
                [.. Instances.Values.Where(i => i.NetworkInterfaces.Any(n => n.GroupIds.Contains(g.GroupId) && n.GroupIds.Any(other => !Groups.Exists(q => q.GroupId == other)))).Select(i => i.Id)]))];
        }
    }

    public async Task<string?> CreateQuarantineGroupAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, bool dryRun, CancellationToken cancellationToken)
    {
        await CallAsync("CreateQuarantineGroup", vpcId, role.ToString(), dryRun);
        if (dryRun)
        {
            return null;
        }

        lock (_lock)
        {
            var id = $"sg-q{role.ToString().ToLowerInvariant()}{++_nextId}";
            Groups.Add(new QuarantineGroup(id, vpcId, role, RulesAsRequired: false));
            return id;
        }
    }

    public async Task SetQuarantineGroupRulesAsync(AwsScope scope, string groupId, QuarantineGroupRole role, bool freshlyCreated, CancellationToken cancellationToken)
    {
        await CallAsync("SetQuarantineGroupRules", groupId, role.ToString());
        lock (_lock)
        {
            var index = Groups.FindIndex(g => g.GroupId == groupId);
            Groups[index] = Groups[index] with { RulesAsRequired = true };
        }
    }
}
