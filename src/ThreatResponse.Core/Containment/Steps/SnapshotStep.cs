using ThreatResponse.Core.Containment.State;

namespace ThreatResponse.Core.Containment.Steps;

/// <summary>
/// Evidence: <c>CreateSnapshots</c> of every attached volume, tagged with the finding, once per finding and instance.
/// The snapshots' point in time is the request, so they may run alongside isolation and a later stop — except when EC2
/// request tokens are scarce: then they wait until every instance's isolation was served (<see cref="ContainmentFirstGate"/>).
/// </summary>
internal sealed class SnapshotStep(IInstanceContainment ec2)
{
    private const ContainmentAction Snapshot = ContainmentAction.Snapshot;

    private readonly IInstanceContainment _ec2 = ec2.WithPriority(CallPriority.Deferred);

    public async Task RunAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (context.Description.VolumeIds.Count == 0)
        {
            log.Skip(Snapshot, "snapshot", null, "no EBS volume attached");
            return;
        }

        var waited = await context.YieldToContainmentAsync("snapshot", cancellationToken);
        IReadOnlyList<string> existing;
        try
        {
            existing = await _ec2.FindSnapshotsAsync(context.Instance, context.FindingKey, cancellationToken);
        }
        catch (AwsOperationException e)
        {
            // Without knowing, a retry could snapshot twice; the evidence of the first attempt is what counts.
            log.Fail(Snapshot, "snapshot", null, $"could not check for this finding's earlier snapshots: {e.Message}", e.ErrorCode);
            return;
        }

        if (existing.Count > 0)
        {
            log.Skip(Snapshot, "snapshot", null, $"already snapshotted for this finding: {string.Join(',', existing)}");
            return;
        }

        await log.RunAsync(Snapshot, "snapshot", string.Join(',', context.Description.VolumeIds), context.DryRun, async () =>
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [QuarantineTags.FindingId] = context.FindingKey,
                [QuarantineTags.InstanceId] = context.Instance.InstanceId.Value,
                [QuarantineTags.SnapshotAt] = context.NowText,
            };
            var ids = await _ec2.CreateSnapshotsAsync(context.Instance, tags, context.DryRun, cancellationToken);
            return ContainmentFirstGate.Waited(context.DryRun
                ? $"would snapshot {context.Description.VolumeIds.Count} volume(s)"
                : $"{string.Join(',', ids)} ({ids.Count} volume(s), crash-consistent at {context.NowText})", waited);
        });
    }
}
