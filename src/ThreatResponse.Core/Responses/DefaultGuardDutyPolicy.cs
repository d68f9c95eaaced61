using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// The GuardDuty responder's decision until the configurable playbook (issue 6): never contain sample findings; notify
/// only below the severity threshold (GuardDuty's 0–10 scale, default 7 = High); isolate and snapshot at or above it.
/// </summary>
public sealed class DefaultGuardDutyPolicy(double severityThreshold = 7)
{
    public FindingDecision Decide(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        if (finding.Sample)
        {
            return new FindingDecision(finding, [], "sample-findings", "sample finding: never contained");
        }

        if (finding.Severity.Normalized < severityThreshold * 10)
        {
            return new FindingDecision(finding, [], "below-threshold", $"severity {finding.Severity.Normalized / 10.0:0.0} is below {severityThreshold:0.0}: notify only");
        }

        return new FindingDecision(finding, [ContainmentAction.Isolate, ContainmentAction.Snapshot], "high-severity");
    }
}
