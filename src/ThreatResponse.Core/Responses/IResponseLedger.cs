namespace ThreatResponse.Core.Responses;

/// <summary>
/// The record of what was decided and done per finding and instance (DynamoDB, <c>LEDGER_TABLE_NAME</c>). It makes
/// responses idempotent under EventBridge's at-least-once delivery and GuardDuty's re-sent findings: a decision already
/// carried out (or under way) for a finding and instance is not carried out, nor notified, again.
/// </summary>
public interface IResponseLedger
{
    /// <summary>
    /// Claims the response for <paramref name="decision"/>. False when the same decision was already carried out for
    /// this finding and instance, or another invocation is carrying it out now; then the delivery is only counted.
    /// </summary>
    Task<bool> ClaimAsync(FindingDecision decision, string findingKey, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records how the claimed decision ended: a failed one may be claimed again by a retry.</summary>
    Task RecordAsync(FindingDecision decision, string findingKey, LedgerOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>How a decision ended, for the ledger.</summary>
public sealed record LedgerOutcome(string Outcome, string ReportId, string? Summary, DateTimeOffset At);
