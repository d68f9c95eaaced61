using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>EC2, on an instance's volumes: crash-consistent snapshots, once per finding.</summary>
public interface IEc2Snapshots
{
    /// <summary>Snapshots already taken of the instance for the finding (by their tags).</summary>
    Task<IReadOnlyList<string>> FindSnapshotsAsync(InstanceReference instance, string findingKey, CancellationToken cancellationToken);

    /// <summary><c>CreateSnapshots</c> of every attached volume, volume tags copied plus <paramref name="tags"/>; returns the snapshots with their volumes and times (empty in a dry run).</summary>
    Task<IReadOnlyList<SnapshotTaken>> CreateSnapshotsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken);
}
