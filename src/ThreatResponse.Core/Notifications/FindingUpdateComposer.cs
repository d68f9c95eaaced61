using System.Globalization;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Core.Notifications;

/// <summary>
/// What to write on each finding of a response: a note (at most 512 characters) saying what was done, with the report
/// id; machine-readable <c>UserDefinedFields</c>; and, once its instances are contained, the workflow status.
/// </summary>
public static class FindingUpdateComposer
{
    public const int MaxNoteLength = 512;
    public const string UpdatedBy = "ThreatResponse";

    /// <summary>Security Hub's limit on a user-defined field's value.</summary>
    private const int MaxFieldValue = 1024;

    /// <param name="region">The Security Hub Region to call: the event's.</param>
    public static IReadOnlyList<FindingUpdate> Compose(ResponseSummary response, string region, FindingUpdateOptions options)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(options);
        var report = response.Report;
        return [.. response.Findings.Select(outcome =>
        {
            var contained = outcome.Outcome == StepOutcome.Succeeded && !report.DryRun && report.Actions.Any(a => a != ContainmentAction.Release);
            var note = $"ThreatResponse {report.ReportId}{(report.DryRun ? " (dry run)" : "")}: {Actions(report)} {outcome.Outcome.Text()}. {Warning(report, outcome)}{outcome.Summary}";
            var fields = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["ThreatResponseReportId"] = report.ReportId,
                ["ThreatResponseOutcome"] = outcome.Outcome.Text(),
                ["ThreatResponseActions"] = Actions(report),
                ["ThreatResponseAt"] = report.CompletedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            };
            if (outcome.Instances.Count > 0)
            {
                fields["ThreatResponseInstances"] = Fit(string.Join(",", outcome.Instances.Select(i => $"{i.Instance.InstanceId}:{i.Outcome.Text()}")), MaxFieldValue);
            }

            // Chain of custody on the finding itself: the Run Commands that collected, and where the evidence is kept.
            var commands = outcome.Instances.SelectMany(i => i.Steps
                .Where(s => s is { Action: ContainmentAction.Collect, Target: not null } && s.Step == StepName.Collection)
                .Select(s => $"{i.Instance.InstanceId}:{s.Target}:{s.Outcome.Text()}")).ToList();
            if (commands.Count > 0)
            {
                fields["ThreatResponseCollection"] = Fit(string.Join(",", commands), MaxFieldValue);
            }

            var evidence = outcome.Instances.SelectMany(i => i.Steps
                .Where(s => s is { Outcome: StepOutcome.Succeeded, Target: not null } && s.Step == StepName.EvidenceStored)
                .Select(s => s.Target!)).ToList();
            if (evidence.Count > 0)
            {
                fields["ThreatResponseEvidence"] = Fit(string.Join(",", evidence), MaxFieldValue);
            }

            return new FindingUpdate(
                outcome.Finding.Id,
                outcome.Finding.ProductArn,
                region,
                Fit(OneLine.Of(note), MaxNoteLength),
                contained ? options.WorkflowStatusAfterContainment : null,
                fields)
            {
                MetadataUid = outcome.Finding.MetadataUid,
            };
        })];
    }

    /// <summary>Before the summary, so the note's 512 characters keep it: the revocation reaches beyond this finding's instances.</summary>
    private static string Warning(ContainmentReport report, FindingOutcome outcome)
    {
        var roles = outcome.Instances
            .SelectMany(i => i.Steps.Where(s => s is { Action: ContainmentAction.RevokeSessions, Target: not null, Outcome: StepOutcome.Succeeded or StepOutcome.DryRun } && s.Step == StepName.RevokeSessions))
            .Select(s => s.Target!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return roles.Count == 0 ? "" : $"Sessions of role {string.Join(", ", roles)} {(report.DryRun ? "would be" : "were")} revoked: every instance using it loses its current credentials until they refresh. ";
    }

    private static string Actions(ContainmentReport report) =>
        report.Actions.Count == 0 ? "notify" : string.Join("+", report.Actions.Select(ContainmentActionNames.Of));


    /// <summary>Cuts to <paramref name="max"/> characters with an ellipsis, never between the halves of a surrogate pair (emoji in Name tags).</summary>
    private static string Fit(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[max - 2]) ? max - 2 : max - 1;
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
