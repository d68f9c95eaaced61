using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Serialization;

namespace ThreatResponse.Core.Notifications;

/// <summary>
/// Writes the chat body of a notification (<see cref="ChatNotification"/>): a title saying what happened to which
/// instance; a description of what was done (per instance its outcome and key steps) and about which finding; the next
/// steps (the way back, the runbook, the console); and one thread per finding, so every notification about a finding —
/// "Delayed", then contained, then released — reads as one conversation.
/// </summary>
/// <remarks>
/// Text written by others (Name tags, finding types, AWS messages) goes in as it is shown, never as markup: it is kept
/// on its line and its <c>&lt;</c>, <c>&gt;</c> and <c>@</c> are replaced by look-alikes, so a tag cannot mention a
/// channel, hide a link or forge a line. The limits below are those of the chat the service renders into (Slack Block
/// Kit: a header's text at most 150 characters, a section's 3,000), so nothing it passes on is cut by the chat instead
/// of here; the service's own per-field limits, if it has any, are not known to this project.
/// </remarks>
public static class ChatNotificationComposer
{
    public const int MaxTitle = 150;
    public const int MaxDescription = 3000;
    public const int MaxSummary = 150;
    public const int MaxNextSteps = 6;
    public const int MaxNextStep = 500;
    public const int MaxKeywords = 10;

    /// <summary>Every instance of a response (at most 100 by the engine's cap): ARNs are short, and chat searches find them.</summary>
    public const int MaxRelatedResources = 100;

    /// <summary>The <c>eventType</c> of every ThreatResponse chat notification; chat custom actions can attach to it.</summary>
    public const string EventType = "ThreatResponse";

    /// <summary>
    /// Release commands (one per account and Region) written out before the rest are counted: with the failure's step,
    /// the release's, the runbook and the console links, the next steps stay within <see cref="MaxNextSteps"/>.
    /// </summary>
    private const int CommandsListed = 2;

    /// <summary>Findings and instances a Delayed notification names before it counts the rest.</summary>
    private const int DelayedListed = 10;

    /// <summary>Instances named in one release command: a command cut short would release fewer than it seems to.</summary>
    private const int InstancesPerCommand = 10;

    /// <summary>
    /// The thread of the findings a notification is about: <c>threatresponse-</c> and 32 hex digits of the SHA-256 of
    /// their ids (sorted, one a line). Stable across invocations, the same for every notification about the same
    /// findings, 47 characters whatever the finding ids' length.
    /// </summary>
    public static string ThreadId(IEnumerable<string> findingIds)
    {
        ArgumentNullException.ThrowIfNull(findingIds);
        var key = string.Join('\n', findingIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return "threatresponse-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 16);
    }

    internal static string Compose(ResponseSummary response, FindingUpdateResult? updates, NotificationDetail detail, int listedCount)
    {
        var report = response.Report;

        // SNS's size chose (detail, listedCount); the chat's own limit may need less, never more.
        var description = string.Empty;
        foreach (var level in NotificationComposer.Levels.Where(l => l.Detail > detail || (l.Detail == detail && l.Listed <= listedCount)))
        {
            description = Description(response, updates, level.Detail, level.Listed);
            if (description.Length <= MaxDescription)
            {
                break;
            }
        }

        var instances = report.Instances;
        var chat = new ChatNotification(
            new ChatContent(
                Cut($"{Emoji(response.Outcome)} {(report.DryRun ? "DRY RUN " : "")}{NotificationComposer.What(response, Shown)}", MaxTitle),
                Cut(description, MaxDescription),
                NextSteps(response),
                Keywords(response)),
            new ChatMetadata(
                ThreadId(response.Findings.Select(f => f.Finding.Id)),
                Cut($"ThreatResponse: {(report.DryRun ? "DRY RUN " : "")}{NotificationComposer.What(response, Shown)} - {NotificationComposer.Why(response, Shown)}", MaxSummary),
                EventType,
                [.. instances.Take(MaxRelatedResources).Select(i => InstanceArn(i.Instance, PartitionOf(response, i.Instance)))],
                Context(response)));
        return JsonSerializer.Serialize(chat, ThreatResponseJsonContext.Compact.ChatNotification);
    }

    /// <summary>
    /// The chat body of a delivery that waits for another invocation (outcome <c>delayed</c>): in the thread of its
    /// findings, so the notification that follows once the response is done comes right under it.
    /// </summary>
    /// <param name="next">What happens now, as the e-mail says it.</param>
    public static string Delayed(string trigger, IReadOnlyList<Finding> findings, IReadOnlyList<InstanceReference> instances, string next)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(instances);
        var first = findings.Count > 0 ? findings[0] : null;
        var lines = new List<string>
        {
            $"*Outcome:* delayed · *Trigger:* {Code(trigger)}",
            $"Another invocation holds the response to {findings.Count} finding(s) on {instances.Count} instance(s) and has not finished yet.",
        };
        lines.AddRange(findings.Take(DelayedListed).Select(f => $"*Finding* {Code(f.Type)}: severity *{Label(f)}*, account {Code(f.Account)}, Region {Code(f.Region)}"));
        if (findings.Count > DelayedListed)
        {
            lines.Add($"… and {findings.Count - DelayedListed} more findings");
        }

        lines.AddRange(instances.Take(DelayedListed).Select(i => $"• {i.InstanceId}: account {Code(i.Account)}, Region {Code(i.Region)}"));
        if (instances.Count > DelayedListed)
        {
            lines.Add($"… and {instances.Count - DelayedListed} more instances");
        }

        lines.Add(Shown(next));
        var chat = new ChatNotification(
            new ChatContent(
                Cut($":hourglass_flowing_sand: Delayed: {(first is null ? "" : Shown(first.Type) + " ")}{(instances.Count == 1 ? instances[0].InstanceId.Value : $"{instances.Count} instances")}", MaxTitle),
                Cut(string.Join('\n', lines), MaxDescription),
                ["Nothing to do yet: the next notification in this thread says what was done.", RunbookStep],
                [.. new[] { "delayed", first is null ? null : Label(first), Shown(trigger) }.OfType<string>()]),
            new ChatMetadata(
                ThreadId(findings.Select(f => f.Id)),
                Cut($"ThreatResponse: delayed, {findings.Count} finding(s) held by another invocation", MaxSummary),
                EventType,
                [.. instances.Take(MaxRelatedResources).Select(i => InstanceArn(i, findings.FirstOrDefault(f => f.Instances.Contains(i))?.Partition ?? PartitionOfRegion(i.Region)))],
                new Dictionary<string, string>(StringComparer.Ordinal) { ["trigger"] = trigger, ["outcome"] = "delayed", ["findings"] = findings.Count.ToString(CultureInfo.InvariantCulture) }));
        return JsonSerializer.Serialize(chat, ThreatResponseJsonContext.Compact.ChatNotification);
    }

    private const string RunbookStep = "Runbook: docs/runbook.md, the operator's runbook (contain, release, after a crash, replay the on-failure queue).";

    private static string Description(ResponseSummary response, FindingUpdateResult? updates, NotificationDetail detail, int listedCount)
    {
        var report = response.Report;
        var lines = new List<string>
        {
            $"*Outcome:* {response.Outcome.Text()}{(report.DryRun ? " (dry run: nothing was changed)" : "")} · *Actions:* {Actions(report)} · *Trigger:* {Code(response.Trigger)} · *Report:* {Code(report.ReportId)}",
        };

        foreach (var outcome in response.Findings.Take(listedCount))
        {
            var f = outcome.Finding;
            lines.Add(string.Empty);
            lines.Add($"*Finding* {Code(f.Type)}: severity *{Label(f)}* ({f.Severity.Normalized.ToString(CultureInfo.InvariantCulture)}), account {Code(f.Account)}, Region {Code(f.Region)}"
                + (f.ResourceRole is { } role ? $", the instance is the {role.ToString().ToUpperInvariant()}" : "")
                + (f.Sample ? ", *sample* finding" : ""));
            if (outcome.Instances.Count == 0)
            {
                lines.Add($"{outcome.Outcome.Text()}: {Code(Cut(outcome.Summary, 300))}");
                continue;
            }

            foreach (var instance in outcome.Instances.Take(listedCount))
            {
                var line = $"• {instance.Instance.InstanceId}{(instance.Name is null ? "" : " " + Code(instance.Name))}: *{(instance.Outcome == StepOutcome.Failed ? "FAILED" : instance.Outcome.Text())}*";
                if (instance.Reason is not null)
                {
                    line += " — " + Code(detail == NotificationDetail.Counts ? Cut(instance.Reason, 200) : instance.Reason);
                }

                var steps = KeySteps(instance, detail);
                lines.Add(steps.Length == 0 ? line : $"{line}\n      {steps}");
            }

            if (outcome.Instances.Count > listedCount)
            {
                lines.Add($"… and {outcome.Instances.Count - listedCount} more instances: {Counted(outcome.Instances.Skip(listedCount).Select(i => i.Outcome))}");
            }
        }

        if (response.Findings.Count > listedCount)
        {
            lines.Add(string.Empty);
            lines.Add($"… and {response.Findings.Count - listedCount} more findings: {Counted(response.Findings.Skip(listedCount).Select(f => f.Outcome))}");
        }

        if (NotificationComposer.NotReached(report) is { } notReached)
        {
            lines.Add(string.Empty);
            lines.Add($"*Not reached in time:* {Shown(notReached)}");
        }

        if (report.Deferred is { } deferred)
        {
            lines.Add(string.Empty);
            lines.Add($"*Waited for containment:* {Shown(deferred.Describe())}");
        }

        if (updates is { Unprocessed.Count: > 0 })
        {
            lines.Add(string.Empty);
            lines.Add($"*Finding updates that failed:* {updates.Unprocessed.Count} ({string.Join(", ", updates.Unprocessed.Select(u => u.ErrorCode).Distinct(StringComparer.Ordinal).Take(5).Select(Code))})");
        }

        if (detail != NotificationDetail.Full)
        {
            lines.Add(string.Empty);
            lines.Add("_Shortened to fit; the JSON notification and the function's log have the full report._");
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// The steps that did something (or failed), by outcome — failed first — each step named once, in the order the
    /// engine ran it, with how many times (once per ENI, say): <c>ok: conversion-group ×2, isolation-group ×2, snapshot</c>.
    /// </summary>
    private static string KeySteps(InstanceResult instance, NotificationDetail detail)
    {
        var steps = detail switch
        {
            NotificationDetail.Full => instance.Steps.Where(s => s.Action is not null || s.Outcome == StepOutcome.Failed),
            NotificationDetail.FailedStepsOnly => instance.Steps.Where(s => s.Outcome == StepOutcome.Failed),
            _ => Enumerable.Empty<StepResult>(),
        };
        return string.Join(" · ", steps
            .GroupBy(s => s.Outcome)
            .OrderBy(g => Array.IndexOf(OutcomeOrder, g.Key))
            .Select(g => $"{StepMark(g.Key)}: " + string.Join(", ", g.GroupBy(s => s.Step, StringComparer.Ordinal).Select(named =>
            {
                var codes = named.Select(s => s.ErrorCode).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
                return named.Key + (codes.Count == 0 ? "" : " " + string.Join(" ", codes.Select(Code))) + (named.Count() > 1 ? $" ×{named.Count()}" : "");
            }))));
    }

    private static readonly StepOutcome[] OutcomeOrder = [StepOutcome.Failed, StepOutcome.DryRun, StepOutcome.Succeeded, StepOutcome.Skipped];

    private static string StepMark(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Succeeded => "ok",
        StepOutcome.Failed => "*FAILED*",
        StepOutcome.Skipped => "skipped",
        _ => "dry-run",
    };

    /// <summary>
    /// What to do next: the way back (the "Release isolation" custom action, or the CLI's release per account and
    /// Region), or for a failure the way to finish; then the runbook and the console.
    /// </summary>
    private static List<string> NextSteps(ResponseSummary response)
    {
        var report = response.Report;
        var steps = new List<string>();
        var changed = report.Instances.Where(i => i.Outcome is StepOutcome.Succeeded or StepOutcome.Failed).ToList();
        var released = report.Actions.Contains(ContainmentAction.Release);

        // First: it concerns instances the response did not touch, whose owners may see their calls denied.
        steps.AddRange(RevokedSessionsWarning.Of(report).Take(1).Select(w => $":warning: {Shown(w)}"));
        if (report.DryRun)
        {
            steps.Add("Dry run: nothing was changed. ThreatResponse acts once automatic response is `enforce` (AUTO_RESPONSE_MODE) or the action's DRY_RUN is `false`.");
        }
        else if (released)
        {
            steps.Add("Contain again if needed: select the finding in Security Hub, *Actions* → *Isolate instance*.");
        }
        else if (changed.Count > 0)
        {
            if (changed.Any(i => i.Outcome == StepOutcome.Failed))
            {
                steps.Add("Finish what failed: run the same action again (what is done is skipped, what failed is retried) — the same custom action, or `threat-response contain` with the same instances and actions.");
            }

            if (report.Actions.Contains(ContainmentAction.Isolate))
            {
                steps.Add("False positive? Undo the isolation: select the finding in Security Hub, *Actions* → *Release isolation*; or from a terminal:");
                var groups = changed.GroupBy(i => (i.Instance.Account, i.Instance.Region)).ToList();
                steps.AddRange(groups.Take(CommandsListed).Select(g =>
                    $"`threat-response release {string.Join(' ', g.Take(InstancesPerCommand).Select(i => "--instance " + i.Instance.InstanceId))} --account {Shown(g.Key.Account)} --region {Shown(g.Key.Region)}`"
                    + (g.Count() > InstancesPerCommand ? $" (and {g.Count() - InstancesPerCommand} more instances there: see the report)" : "")));
                if (groups.Count > CommandsListed)
                {
                    steps[^1] += $" (and the same for {groups.Count - CommandsListed} more account/Region pairs: see the report)";
                }
            }
        }

        steps.Add(RunbookStep);
        if (response.Findings.Count > 0)
        {
            var finding = response.Findings[0].Finding;
            var instance = report.Instances.Count > 0 ? report.Instances[0].Instance : null;
            steps.Add($"<{FindingLinks.ConsoleUrl(finding)}|Open the finding in the console>"
                + (instance is null ? "" : $" · <{FindingLinks.InstanceConsoleUrl(instance, PartitionOf(response, instance))}|Open {instance.InstanceId} in the EC2 console>"));
        }

        return [.. steps.Take(MaxNextSteps).Select(s => Cut(s, MaxNextStep))];
    }

    private static List<string> Keywords(ResponseSummary response)
    {
        var report = response.Report;
        var keywords = new List<string> { response.Outcome.Text() };
        if (response.Findings.Count > 0)
        {
            keywords.Add(response.Findings.Select(f => f.Finding.Severity).MaxBy(s => s.Normalized)!.Label.ToString().ToUpperInvariant());
        }

        keywords.Add(Actions(report));
        if (report.DryRun)
        {
            keywords.Add("dry-run");
        }

        keywords.AddRange(response.Findings.Select(f => Shown(f.Finding.Account)).Distinct(StringComparer.Ordinal).Take(3));
        keywords.AddRange(response.Findings.Select(f => Shown(f.Finding.Region)).Distinct(StringComparer.Ordinal).Take(2));
        keywords.Add(Shown(response.Trigger));
        return [.. keywords.Distinct(StringComparer.Ordinal).Take(MaxKeywords).Select(k => Cut(k, 64))];
    }

    private static Dictionary<string, string> Context(ResponseSummary response)
    {
        var report = response.Report;
        var context = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["reportId"] = report.ReportId,
            ["trigger"] = response.Trigger,
            ["outcome"] = response.Outcome.Text(),
            ["actions"] = Actions(report),
            ["dryRun"] = report.DryRun ? "true" : "false",
            ["findings"] = response.Findings.Count.ToString(CultureInfo.InvariantCulture),
            ["instances"] = report.Instances.Count.ToString(CultureInfo.InvariantCulture),
        };
        if (response.Findings.Count == 1)
        {
            context["findingId"] = response.Findings[0].Finding.Id;
        }

        return context;
    }

    private static string Actions(ContainmentReport report) =>
        report.Actions.Count == 0 ? "notify" : string.Join("+", report.Actions.Select(ContainmentActionNames.Of));

    private static string Label(Finding finding) => finding.Severity.Label.ToString().ToUpperInvariant();

    private static string Counted(IEnumerable<StepOutcome> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Count()} {g.Key.Text()}"));

    private static string Emoji(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Succeeded => ":white_check_mark:",
        StepOutcome.Failed => ":rotating_light:",
        StepOutcome.Skipped => ":warning:",
        _ => ":information_source:",
    };

    private static string InstanceArn(InstanceReference instance, string partition) =>
        $"arn:{partition}:ec2:{instance.Region}:{instance.Account}:instance/{instance.InstanceId}";

    /// <summary>The partition of the finding naming the instance (its ARN, its console).</summary>
    private static string PartitionOf(ResponseSummary response, InstanceReference instance) =>
        response.Findings.Select(f => f.Finding).FirstOrDefault(f => f.Instances.Contains(instance))?.Partition ?? PartitionOfRegion(instance.Region);

    private static string PartitionOfRegion(string region) => AwsPartition.OfRegion(region);

    /// <summary>
    /// Text written by others as the chat shows it: on one line, and with nothing the chat reads as markup that
    /// reaches beyond the text itself — no link (<c>&lt;url|text&gt;</c>), no mention (<c>@here</c>,
    /// <c>&lt;!channel&gt;</c>), no end of a code span.
    /// </summary>
    internal static string Shown(string text) =>
        OneLine.Of(text).Replace('<', '‹').Replace('>', '›').Replace('@', '＠').Replace('`', 'ʹ');

    /// <summary>Text written by others in a code span: shown as it is written (no bold, no italics), and defanged.</summary>
    private static string Code(string text) => $"`{Shown(text)}`";

    /// <summary>Cuts to <paramref name="max"/> characters with an ellipsis, never between the halves of a surrogate pair.</summary>
    private static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[max - 2]) ? max - 2 : max - 1;
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
