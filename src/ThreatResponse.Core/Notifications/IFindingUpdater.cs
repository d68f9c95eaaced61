namespace ThreatResponse.Core.Notifications;

/// <summary>Writes what a response did onto its findings (Security Hub <c>BatchUpdateFindings</c>).</summary>
public interface IFindingUpdater
{
    /// <summary>
    /// Applies every update; findings the service leaves unprocessed are retried while the reason may pass, then
    /// returned — never dropped. A failed call surfaces as <see cref="Containment.AwsOperationException"/>.
    /// </summary>
    Task<FindingUpdateResult> UpdateAsync(IReadOnlyList<FindingUpdate> updates, CancellationToken cancellationToken);
}
