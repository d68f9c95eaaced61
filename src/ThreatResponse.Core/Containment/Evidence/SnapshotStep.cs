using System.Text.Json;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Evidence: <c>CreateSnapshots</c> of every attached volume, tagged with the finding, once per finding and instance.
/// The snapshots' point in time is the request, so they may run alongside isolation and a later stop — except when EC2
/// request tokens are scarce: then they wait until every instance's isolation was served (<see cref="ContainmentFirstGate"/>).
/// With an evidence bucket, the snapshots taken are listed in the case's place there (<see cref="EvidenceKeys"/>), so
/// that one place holds the case: the archive collected from the instance and the disks' snapshots.
/// </summary>
internal sealed class SnapshotStep(IInstanceContainment ec2, IEvidenceCollector? evidence = null, EvidenceOptions? evidenceOptions = null)
{
    private const ContainmentAction Snapshot = ContainmentAction.Snapshot;

    private readonly IInstanceContainment _ec2 = ec2.WithPriority(CallPriority.Deferred);

    public async Task RunAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (context.Description.VolumeIds.Count == 0)
        {
            log.Skip(Snapshot, StepName.Snapshot, null, "no EBS volume attached");
            return;
        }

        var waited = await context.YieldToContainmentAsync(StepName.Snapshot, cancellationToken);
        IReadOnlyList<string> existing;
        try
        {
            existing = await _ec2.FindSnapshotsAsync(context.Instance, context.FindingKey, cancellationToken);
        }
        catch (AwsOperationException e)
        {
            // Without knowing, a retry could snapshot twice; the evidence of the first attempt is what counts.
            log.Fail(Snapshot, StepName.Snapshot, null, $"could not check for this finding's earlier snapshots: {e.Message}", e.ErrorCode);
            return;
        }

        if (existing.Count > 0)
        {
            log.Skip(Snapshot, StepName.Snapshot, null, $"already snapshotted for this finding: {string.Join(',', existing)}");
            return;
        }

        IReadOnlyList<SnapshotTaken> taken = [];
        var snapshotted = await log.RunAsync(Snapshot, StepName.Snapshot, string.Join(',', context.Description.VolumeIds), context.DryRun, async () =>
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [QuarantineTags.FindingId] = context.FindingKey,
                [QuarantineTags.InstanceId] = context.Instance.InstanceId.Value,
                [QuarantineTags.SnapshotAt] = context.NowText,
            };
            taken = await _ec2.CreateSnapshotsAsync(context.Instance, tags, context.DryRun, cancellationToken);
            return ContainmentFirstGate.Waited(context.DryRun
                ? $"would snapshot {context.Description.VolumeIds.Count} volume(s)"
                : $"{string.Join(',', taken.Select(t => t.SnapshotId))} ({taken.Count} volume(s), crash-consistent at {context.NowText})", waited);
        });

        if (snapshotted && taken.Count > 0 && evidence is not null && evidenceOptions?.Bucket is { } bucket)
        {
            var key = EvidenceKeys.For(context.Instance, context.FindingKey, context.Now, "-snapshots.json");
            await log.RunAsync(Snapshot, StepName.EvidenceStored, $"s3://{bucket}/{key}", dryRun: false, async () =>
            {
                var stored = await evidence.StoreRecordAsync(key, Record(context, taken), cancellationToken);
                return $"the snapshots listed: {stored.Bytes} bytes, SHA-256 {stored.Sha256}, version {stored.VersionId ?? "-"}";
            });
        }
    }

    /// <summary>The case's snapshots, as an investigator reads them next to the archive: which volume, which snapshot, when.</summary>
    private static byte[] Record(InstanceContext context, IReadOnlyList<SnapshotTaken> taken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("account", context.Instance.Account);
            json.WriteString("region", context.Instance.Region);
            json.WriteString("instanceId", context.Instance.InstanceId.Value);
            json.WriteString("finding", context.FindingKey);
            json.WriteString("requestedAt", context.NowText);
            json.WriteStartArray("snapshots");
            foreach (var snapshot in taken)
            {
                json.WriteStartObject();
                json.WriteString("snapshotId", snapshot.SnapshotId);
                json.WriteString("volumeId", snapshot.VolumeId);
                if (snapshot.StartTime is { } at)
                {
                    json.WriteString("startTime", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
