using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Core.Responses;

/// <summary>A finished response: what happened, the finding updates' result, and the notification's message id.</summary>
/// <param name="FindingUpdateError">Why the finding updates could not be made at all, if so.</param>
/// <param name="Retryable">True when the response must be retried: containment failed, or a finding update failed for a reason that may pass.</param>
public sealed record ResponseResult(
    ResponseSummary Summary,
    FindingUpdateResult? FindingUpdates,
    string? FindingUpdateError,
    string MessageId,
    bool Retryable);
