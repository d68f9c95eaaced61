using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>The in-memory EC2, Evidence: the operations of that room.</summary>
internal sealed partial class FakeInstanceContainment
{
    public Task<ForensicChannelLookup> FindForensicChannelAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken) =>
        Task.FromResult(ForensicChannelLookup.None($"no endpoints in {vpcId} (fake)"));

    public Task<string?> FindSubnetRouteTableAsync(AwsScope scope, string vpcId, string subnetId, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);

    public Task<ForensicGroup?> EnsureForensicGroupAsync(AwsScope scope, ForensicChannel channel, string? recordedGroupId, bool dryRun, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the fake has no forensic channel");

    public async Task<IReadOnlyList<string>> FindSnapshotsAsync(InstanceReference instance, string findingKey, CancellationToken cancellationToken)
    {
        await CallAsync("FindSnapshots", Id(instance));
        lock (_lock)
        {
            return [.. _snapshots.Where(s => s.Tags.GetValueOrDefault(QuarantineTags.InstanceId) == Id(instance) && s.Tags.GetValueOrDefault(QuarantineTags.FindingId) == findingKey).Select(s => s.Id)];
        }
    }

    public async Task<IReadOnlyList<SnapshotTaken>> CreateSnapshotsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken)
    {
        await CallAsync("CreateSnapshots", Id(instance), Keys(tags.Keys), dryRun);
        if (dryRun)
        {
            return [];
        }

        lock (_lock)
        {
            var taken = Get(instance).VolumeIds.Select(volume => new SnapshotTaken($"snap-{++_nextId}", volume, null)).ToList();
            _snapshots.AddRange(taken.Select(t => (t.SnapshotId, new Dictionary<string, string>(tags, StringComparer.Ordinal))));
            return taken;
        }
    }
}
