namespace ThreatResponse.Core.Responses;

/// <summary>
/// The record of what was decided and done per finding and instance (DynamoDB, <c>LEDGER_TABLE_NAME</c>). It makes
/// responses idempotent under EventBridge's at-least-once delivery and GuardDuty's re-sent findings: a decision already
/// carried out (or under way) for a finding and instance is not carried out, nor notified, again.
/// </summary>
public interface IResponseLedger
{
    /// <summary>
    /// Claims the response for <paramref name="decision"/>. When the same decision was already carried out for this
    /// finding and instance, or another invocation holds it now, the delivery is only counted and the answer says which.
    /// </summary>
    /// <param name="countDelivery">False when a delivery that already counted itself claims again after waiting.</param>
    Task<ClaimOutcome> ClaimAsync(FindingDecision decision, string findingKey, DateTimeOffset now, bool countDelivery, CancellationToken cancellationToken);

    /// <summary>Whether another invocation still holds the decision's claim (in progress and not older than a claim may live); reads only.</summary>
    Task<bool> IsHeldAsync(FindingDecision decision, string findingKey, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records how the claimed decision ended: a failed one may be claimed again by a retry.</summary>
    Task RecordAsync(FindingDecision decision, string findingKey, LedgerOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>What a claim found.</summary>
public enum ClaimOutcome
{
    /// <summary>This invocation carries the decision out.</summary>
    Claimed,

    /// <summary>The same decision was carried out already: nothing to do, nothing to notify.</summary>
    AlreadyDone,

    /// <summary>Another invocation holds the claim and has not finished: not done yet, so not a success for this one.</summary>
    UnderWayElsewhere,
}

/// <summary>How a decision ended, for the ledger.</summary>
public sealed record LedgerOutcome(string Outcome, string ReportId, string? Summary, DateTimeOffset At);
