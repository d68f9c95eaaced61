using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Notifications;

/// <summary>The machine-readable notification: every finding with its outcome and link, and the full report.</summary>
/// <param name="Trimmed">True when step detail was dropped to fit SNS's message size.</param>
/// <param name="FindingsOmitted">Findings not listed in <paramref name="Findings"/> because the message had to shrink (the log has them all).</param>
public sealed record NotificationDocument(
    string Trigger,
    string ReportId,
    StepOutcome Outcome,
    bool DryRun,
    bool Trimmed,
    int FindingsOmitted,
    IReadOnlyList<NotificationFinding> Findings,
    IReadOnlyList<UnprocessedFinding> FindingUpdatesFailed,
    ContainmentReport Report)
{
    /// <summary>What the response did not reach before its deadline and what happens next (Lambda's retry); null when it reached everything.</summary>
    public string? NotReachedInTime { get; init; }
}

public sealed record NotificationFinding(
    string Id,
    string ProductArn,
    string Type,
    Severity Severity,
    string Account,
    string Region,
    StepOutcome Outcome,
    string Summary,
    string ConsoleUrl);

/// <summary>The notification of a delivery that fails because another invocation holds its response (outcome <c>delayed</c>).</summary>
/// <param name="Next">What happens now: Lambda's retries, the takeover of a dead invocation's claim, the on-failure queue.</param>
public sealed record DelayedResponseDocument(string Trigger, string Outcome, IReadOnlyList<string> Findings, IReadOnlyList<string> Instances, string Reason, string Next);

/// <summary>A decision a Delayed notification names: the finding, the instance (null when it names none) and what was decided.</summary>
public sealed record DelayedDecision(Findings.Finding Finding, Findings.InstanceReference? Instance, string Decision);
