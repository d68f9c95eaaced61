namespace ThreatResponse.Core.Responses;

/// <summary>
/// The record of what was decided and done per finding and instance (DynamoDB, <c>LEDGER_TABLE_NAME</c>). It makes
/// responses idempotent under EventBridge's at-least-once delivery and GuardDuty's re-sent findings, and keeps an
/// analyst's word: an automatic decision is not carried out for a finding and instance an analyst released, and an
/// analyst's repeated click is carried out again (re-checked) rather than taken for a repeated delivery.
/// </summary>
/// <remarks>Decisions are kept per finding (<see cref="Containment.FindingKey"/> of its id) and instance.</remarks>
public interface IResponseLedger
{
    /// <summary>
    /// Claims the response for <paramref name="decision"/>. The claim is refused when the same decision was already
    /// carried out (for an analyst's decision: by the same event), when another invocation holds it now, or, for an
    /// automatic decision, when an analyst released the instance for this finding; the answer says which.
    /// </summary>
    /// <param name="eventId">The EventBridge event's id: a second delivery of the same event is never acted on or answered twice.</param>
    /// <param name="countDelivery">False when a delivery that already counted itself claims again after waiting.</param>
    Task<Claim> ClaimAsync(FindingDecision decision, string? eventId, DateTimeOffset now, bool countDelivery, CancellationToken cancellationToken);

    /// <summary>Whether another invocation still holds the decision's claim (in progress and not older than a claim may live); reads only.</summary>
    Task<bool> IsHeldAsync(FindingDecision decision, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records how the claimed decision ended: a failed one may be claimed again by a retry; a release that did not
    /// fail marks the finding and instance released by an analyst.
    /// </summary>
    Task RecordAsync(FindingDecision decision, LedgerOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>What a claim found.</summary>
public enum ClaimOutcome
{
    /// <summary>This invocation carries the decision out.</summary>
    Claimed,

    /// <summary>The same decision was carried out already (or this very event was answered): nothing to do, nothing to notify.</summary>
    AlreadyDone,

    /// <summary>Another invocation holds the claim and has not finished: not done yet, so not a success for this one.</summary>
    UnderWayElsewhere,

    /// <summary>An analyst released the instance for this finding: an automatic decision is answered (notified, noted), not carried out.</summary>
    ReleasedByAnalyst,
}

/// <summary>A claim's answer.</summary>
/// <param name="DoneBefore">For a won claim of a decision already carried out (an analyst's repeated click): when it was.</param>
/// <param name="ReleasedAt">For <see cref="ClaimOutcome.ReleasedByAnalyst"/>: when the analyst released the instance.</param>
/// <param name="InterruptedSince">
/// For a won claim taken over from an invocation that died holding it: when that one claimed. What it did before dying
/// is found done, and is this response's to report.
/// </param>
public sealed record Claim(ClaimOutcome Outcome, DateTimeOffset? DoneBefore = null, DateTimeOffset? ReleasedAt = null, DateTimeOffset? InterruptedSince = null);

/// <summary>How a decision ended, for the ledger.</summary>
public sealed record LedgerOutcome(string Outcome, string ReportId, string? Summary, DateTimeOffset At)
{
    /// <summary>Who asked: the function (or CLI command) that responded.</summary>
    public string? Trigger { get; init; }

    /// <summary>
    /// Evidence kept for the case, for its chain of custody: each archive's object, size, SHA-256 as read back, version,
    /// retention and the command that made it (the report's <c>evidence-stored</c> steps).
    /// </summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
}
