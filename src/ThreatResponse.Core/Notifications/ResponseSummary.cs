using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Notifications;

/// <summary>
/// A whole response, as it is told: who triggered it, the findings with what happened to each, and the containment
/// report. The notification and the finding updates are written from it.
/// </summary>
/// <param name="Trigger">What started the response: <c>GuardDutyResponder</c>, a custom action's name, <c>threat-response contain</c>.</param>
public sealed record ResponseSummary(string Trigger, ContainmentReport Report, IReadOnlyList<FindingOutcome> Findings)
{
    /// <summary>
    /// Pairs each finding with the report's results for its instances. A finding naming no instance, or for which
    /// <paramref name="notActedOn"/> gives a reason (sample finding, notify-only rule), is reported as skipped with that reason.
    /// <paramref name="note"/> adds to an acted-on finding's summary what the response alone does not say (a repeated
    /// click, an instance of it released by an analyst).
    /// </summary>
    public static ResponseSummary Create(
        string trigger, IReadOnlyList<Finding> findings, ContainmentReport report, Func<Finding, string?>? notActedOn = null, Func<Finding, string?>? note = null)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(report);
        var outcomes = new List<FindingOutcome>(findings.Count);
        foreach (var finding in findings)
        {
            if (finding.Instances.Count == 0)
            {
                outcomes.Add(new FindingOutcome(finding, StepOutcome.Skipped, finding.Sequence is { } sequence
                    ? $"{sequence.Describe()}; it names no EC2 instance: notified, nothing to contain"
                    : "the finding names no EC2 instance; nothing to contain", []));
                continue;
            }

            if (notActedOn?.Invoke(finding) is { } reason)
            {
                outcomes.Add(new FindingOutcome(finding, StepOutcome.Skipped, reason, []));
                continue;
            }

            var results = report.Instances.Where(r => finding.Instances.Contains(r.Instance)).ToList();
            if (results.Count == 0)
            {
                outcomes.Add(new FindingOutcome(finding, StepOutcome.Skipped, "its instances were not part of this response", []));
                continue;
            }

            var outcome = StepOutcomes.Combine(results.Select(r => r.Outcome));
            var summary = string.Join("; ", results.Select(r => $"{Describe(r)}: {(r.Outcome == StepOutcome.Failed ? "FAILED" : r.Outcome.Text())}{(r.Reason is null ? "" : $" ({r.Reason})")}"));
            if (note?.Invoke(finding) is { } extra)
            {
                summary = $"{extra}. {summary}";
            }

            outcomes.Add(new FindingOutcome(finding, outcome, summary, results));
        }

        return new ResponseSummary(trigger, report, outcomes);
    }

    /// <summary>The findings' outcomes rolled up (<see cref="StepOutcomes.Combine"/>).</summary>
    public StepOutcome Outcome => StepOutcomes.Combine(Findings.Select(f => f.Outcome));

    public static string Describe(InstanceResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Name is null ? result.Instance.InstanceId.Value : $"{result.Instance.InstanceId} ({result.Name})";
    }

}
