namespace ThreatResponse.Core.Findings;

/// <summary>An EventBridge event reduced to what a response needs.</summary>
/// <param name="EventId">The envelope's id (EventBridge's, not the finding's).</param>
/// <param name="Account">The envelope's account: where the event was emitted, usually the security account.</param>
/// <param name="Region">The envelope's Region.</param>
/// <param name="CustomActionArn">For a custom-action event, the action target ARN from <c>resources</c>; otherwise null.</param>
/// <param name="CustomActionName">For a custom-action event, <c>detail.actionName</c> when present.</param>
public sealed record FindingEvent(
    FindingEventKind Kind,
    string? EventId,
    string Account,
    string Region,
    string? CustomActionArn,
    string? CustomActionName,
    IReadOnlyList<Finding> Findings);
