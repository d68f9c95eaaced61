using System.Globalization;
using System.Text;
using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Serialization;

namespace ThreatResponse.Core.Notifications;

/// <summary>
/// Writes the one notification of a response: a subject that says what happened to which instance, a plain-text body
/// for e-mail (what, where, why, each step), the JSON document for machines, the chat body
/// (<see cref="ChatNotificationComposer"/>), and attributes for filter policies.
/// Kept within what the notifier can send (<see cref="INotifier.Fits"/>) by dropping detail step by step — never by failing.
/// </summary>
public static class NotificationComposer
{
    /// <summary>SNS wants a subject under 100 characters.</summary>
    private const int MaxSubject = 99;

    /// <summary>At the smallest detail level, how many findings and instances are listed one by one (the rest are counted), tried in turn until the message fits.</summary>
    private static readonly int[] ListedAtCounts = [25, 10, 3, 1];

    /// <summary>Every detail level, richest first; the chat body steps down the same levels to fit its own limits.</summary>
    internal static readonly IReadOnlyList<(NotificationDetail Detail, int Listed)> Levels =
    [
        .. Enum.GetValues<NotificationDetail>().Where(d => d != NotificationDetail.Counts).Select(d => (d, int.MaxValue)),
        .. ListedAtCounts.Select(n => (NotificationDetail.Counts, n)),
    ];

    /// <param name="fits">The notifier's judgement of whether a candidate can be sent (<see cref="INotifier.Fits"/>).</param>
    /// <param name="findingUpdates">The result of writing the response onto its findings, when that was attempted.</param>
    public static Notification Compose(ResponseSummary response, Func<Notification, bool> fits, FindingUpdateResult? findingUpdates = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(fits);
        var subject = Subject(response);
        var attributes = Attributes(response);
        foreach (var (detail, listedCount) in Levels)
        {
            var candidate = new Notification(
                subject,
                Text(response, findingUpdates, detail, listedCount),
                Json(response, findingUpdates, detail, listedCount),
                ChatNotificationComposer.Compose(response, findingUpdates, detail, listedCount),
                attributes,
                detail != NotificationDetail.Full);
            if (fits(candidate) || (detail, listedCount) == Levels[^1])
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("unreachable: the smallest detail level is always returned");
    }

    /// <summary>
    /// The notification of a delivery that fails because another invocation holds its decisions: what waits, and what
    /// happens next (Lambda's retries, the takeover of a dead invocation's claim after its lifetime, the on-failure queue).
    /// </summary>
    /// <param name="wait">How long the delivery waited for the other invocation.</param>
    public static Notification Delayed(string trigger, IReadOnlyList<DelayedDecision> held, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(held);
        var first = held[0];
        var what = string.Join("; ", held.Select(d => $"{d.Finding.Type} ({d.Finding.Id}) on {d.Instance?.InstanceId.Value ?? "no instance"}: {d.Decision}"));
        var subject = $"[ThreatResponse] Delayed: {first.Finding.Type} {first.Instance?.InstanceId.Value}".Trim();
        var next = $"Another invocation claimed them and has not finished within {wait.TotalSeconds:0} s (it may have died: a timeout, out of memory, a lost host). "
            + "This delivery fails so that Lambda retries it; a claim whose invocation died is taken over once it is older than the claim lifetime, and the next notification says what was done. "
            + "If every retry fails, the event is kept in the on-failure queue and its alarm fires: replay it from there (docs/runbook.md).";
        var text = $"ThreatResponse: {trigger} could not carry out {held.Count} decision(s) yet: {what}.\n\n{next}";
        var findings = held.Select(d => d.Finding).Distinct().ToList();
        var instances = held.Select(d => d.Instance).OfType<InstanceReference>().Distinct().ToList();
        var json = JsonSerializer.Serialize(
            new DelayedResponseDocument(trigger, "delayed", [.. findings.Select(f => f.Id)], [.. held.Select(d => d.Instance?.InstanceId.Value ?? "-").Distinct()], "claim held by another invocation", next),
            ThreatResponseJsonContext.Readable.DelayedResponseDocument);
        var attributes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["severity"] = [first.Finding.Severity.Label.ToString().ToUpperInvariant()],
            ["outcome"] = ["delayed"],
            ["trigger"] = [trigger],
        };
        return new Notification(subject.Length <= MaxSubject ? subject : subject[..MaxSubject], text, json, ChatNotificationComposer.Delayed(trigger, findings, instances, next), attributes, Trimmed: false);
    }

    public static string Subject(ResponseSummary response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var prefix = response.Report.DryRun ? "[ThreatResponse] DRY RUN " : "[ThreatResponse] ";
        return Fit($"{prefix}{What(response, text => text)} - {Why(response, text => text)}", MaxSubject);
    }

    /// <summary>
    /// What happened to which instance, e.g. <c>Isolated+snapshotted i-0a1b… (web-1)</c>; <paramref name="written"/>
    /// is applied to text written by others (Name tags, reasons), which each body shows in its own safe way.
    /// </summary>
    internal static string What(ResponseSummary response, Func<string, string> written)
    {
        var report = response.Report;
        var instances = report.Instances;
        var verb = Verb(report.Actions);
        if (instances.Count == 0)
        {
            return $"No action: {(response.Findings.Count == 1 ? written(response.Findings[0].Summary) : "no instance to contain")}";
        }

        if (instances.Count == 1)
        {
            var result = instances[0];
            var which = result.Name is null ? result.Instance.InstanceId.Value : $"{result.Instance.InstanceId} ({written(result.Name)})";
            return result.Outcome switch
            {
                StepOutcome.Failed => $"FAILED to {verb.Infinitive} {which}",
                StepOutcome.Skipped => $"Skipped {which}: {written(result.Reason ?? "")}",
                StepOutcome.DryRun => $"would {verb.Infinitive} {which}",
                _ => $"{verb.Past} {which}",
            };
        }

        var failed = instances.Count(i => i.Outcome == StepOutcome.Failed);
        var done = instances.Count(i => i.Outcome is StepOutcome.Succeeded or StepOutcome.DryRun);
        return $"{(report.DryRun ? "would " + verb.Infinitive : verb.Past)} {done} of {instances.Count} instances{(failed > 0 ? $", {failed} FAILED" : "")}";
    }

    /// <summary>
    /// What the response did not reach before its deadline, and what happens next; null when it reached everything.
    /// </summary>
    internal static string? NotReached(ContainmentReport report)
    {
        var instances = report.Instances.Where(i => i.Steps.Any(ResponseDeadline.WasNotReached)).ToList();
        if (instances.Count == 0)
        {
            return null;
        }

        var throttled = instances.SelectMany(i => i.Steps).Any(s => ResponseDeadline.WasNotReached(s) && (s.Detail ?? "").Contains("throttled", StringComparison.Ordinal));
        var steps = instances.Sum(i => i.Steps.Count(ResponseDeadline.WasNotReached));
        return $"{steps} step(s) of {instances.Count} instance(s) were not reached in time{(throttled ? ": throttled by EC2's request limits" : "")}. "
            + "EC2 calls stop before the function's timeout so that this report is sent; the response fails so that Lambda's retry resumes where it stopped, and what is done stays done. "
            + $"Instances: {string.Join(", ", instances.Take(10).Select(i => i.Instance.InstanceId.Value))}{(instances.Count > 10 ? $" and {instances.Count - 10} more" : "")}.";
    }

    /// <summary>Why: the finding's type and severity, or how many findings.</summary>
    internal static string Why(ResponseSummary response, Func<string, string> written)
    {
        var finding = response.Findings.Count == 1 ? response.Findings[0].Finding : null;
        return finding is null ? $"{response.Findings.Count} findings" : $"{written(finding.Type)} {finding.Severity.Label.ToString().ToUpperInvariant()}";
    }

    private static (string Past, string Infinitive) Verb(IReadOnlyList<ContainmentAction> actions)
    {
        var words = actions.Select(a => a switch
        {
            ContainmentAction.Isolate => ("Isolated", "isolate"),
            ContainmentAction.Snapshot => ("snapshotted", "snapshot"),
            ContainmentAction.Stop => ("stopped", "stop"),
            ContainmentAction.RevokeSessions => ("revoked-sessions", "revoke-sessions"),
            ContainmentAction.Collect => ("collected", "collect"),
            _ => ("Released", "release"),
        }).ToList();
        if (words.Count == 0)
        {
            return ("Notified", "notify");
        }

        var past = string.Join("+", words.Select(w => w.Item1.ToLowerInvariant()));
        return (char.ToUpperInvariant(past[0]) + past[1..], string.Join("+", words.Select(w => w.Item2)));
    }

    private static Dictionary<string, IReadOnlyList<string>> Attributes(ResponseSummary response)
    {
        var severity = response.Findings.Select(f => f.Finding.Severity).DefaultIfEmpty().MaxBy(s => s.Normalized);
        return new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["severity"] = [severity.Label.ToString().ToUpperInvariant()],
            ["outcome"] = [response.Outcome.Text()],
            ["actions"] = response.Report.Actions.Count == 0 ? ["notify"] : [.. response.Report.Actions.Select(ContainmentActionNames.Of)],
            ["account"] = [.. response.Findings.Select(f => f.Finding.Account).Distinct(StringComparer.Ordinal).DefaultIfEmpty("none")],
            ["trigger"] = [response.Trigger],
            ["dryRun"] = [response.Report.DryRun ? "true" : "false"],
        };
    }

    private static string Text(ResponseSummary response, FindingUpdateResult? updates, NotificationDetail detail, int listedCount)
    {
        var report = response.Report;
        var text = new StringBuilder();
        var line = (string s) => text.Append(OneLine.Of(s)).Append('\n');
        line(Subject(response).Replace("[ThreatResponse] ", "ThreatResponse: ", StringComparison.Ordinal));
        line(string.Empty);
        line("WHAT");
        line($"  Outcome:   {response.Outcome.Text()}{(report.DryRun ? " (dry run: nothing was changed)" : "")}");
        line($"  Actions:   {(report.Actions.Count == 0 ? "notify only" : string.Join(", ", report.Actions.Select(ContainmentActionNames.Of)))}");
        line($"  Triggered: {response.Trigger}");
        line($"  Report:    {report.ReportId}, {report.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC, {(report.CompletedAt - report.StartedAt).TotalMilliseconds:0} ms");

        var warnings = RevokedSessionsWarning.Of(report);
        if (warnings.Count > 0)
        {
            line(string.Empty);
            line("WARNING");
            foreach (var warning in warnings)
            {
                line($"  {warning}");
            }
        }

        var listed = response.Findings.Take(listedCount).ToList();
        foreach (var finding in listed)
        {
            var f = finding.Finding;
            line(string.Empty);
            line($"FINDING {f.Type}");
            line($"  Why:       severity {f.Severity.Label.ToString().ToUpperInvariant()} ({f.Severity.Normalized}){(f.ResourceRole is { } role ? $", the instance is the {role.ToString().ToUpperInvariant()}" : "")}{(f.Sample ? ", SAMPLE finding" : "")}");
            line($"  Where:     account {f.Account}, Region {f.Region}");
            line($"  Link:      {FindingLinks.ConsoleUrl(f)}");
            line($"  Result:    {finding.Outcome.Text()} - {(detail == NotificationDetail.Counts ? Fit(finding.Summary, 1024) : finding.Summary)}");
            if (detail == NotificationDetail.Counts)
            {
                continue;
            }

            foreach (var instance in finding.Instances)
            {
                line($"  Instance {ResponseSummary.Describe(instance)}: {instance.Outcome.Text()}{(instance.Reason is null ? "" : " - " + instance.Reason)}");
                foreach (var evidence in instance.Steps.Where(s => s is { Outcome: StepOutcome.Succeeded, Target: not null } && s.Step == StepName.EvidenceStored))
                {
                    line($"  Evidence:  {evidence.Target} - {FindingLinks.EvidenceConsoleUrl(evidence.Target!, f.Partition) ?? "(no console link)"}");
                }

                var steps = detail switch
                {
                    NotificationDetail.Full => instance.Steps,
                    NotificationDetail.FailedStepsOnly => [.. instance.Steps.Where(s => s.Outcome == StepOutcome.Failed)],
                    _ => [],
                };
                foreach (var step in steps)
                {
                    var mark = step.Outcome switch
                    {
                        StepOutcome.Succeeded => "ok  ",
                        StepOutcome.Skipped => "skip",
                        StepOutcome.Failed => "FAIL",
                        _ => "dry ",
                    };
                    line($"    [{mark}] {step.Step}{(step.Target is null ? "" : " " + step.Target)}: {(step.ErrorCode is null ? "" : step.ErrorCode + " ")}{step.Detail}");
                }
            }
        }

        if (listed.Count < response.Findings.Count)
        {
            line(string.Empty);
            var omitted = response.Findings.Skip(listed.Count).ToList();
            line($"... and {omitted.Count} more findings: {string.Join(", ", omitted.GroupBy(f => f.Outcome).Select(g => $"{g.Count()} {g.Key.Text()}"))}");
        }

        if (NotReached(report) is { } notReached)
        {
            line(string.Empty);
            line("NOT REACHED IN TIME");
            line($"  {notReached}");
        }

        if (report.Deferred is { } deferred)
        {
            line(string.Empty);
            line("WAITED FOR CONTAINMENT");
            line($"  {deferred.Describe()}");
        }

        if (updates is { Unprocessed.Count: > 0 })
        {
            line(string.Empty);
            line("FINDING UPDATES THAT FAILED");
            foreach (var u in updates.Unprocessed)
            {
                line($"  {u.Id}: {u.ErrorCode} {u.ErrorMessage}");
            }
        }

        if (detail != NotificationDetail.Full)
        {
            line(string.Empty);
            line("(Detail was shortened to fit the notification; the full report is in the function's log.)");
        }

        return text.ToString();
    }

    private static string Json(ResponseSummary response, FindingUpdateResult? updates, NotificationDetail detail, int listedCount)
    {
        var report = response.Report;
        var trimmedReport = detail switch
        {
            NotificationDetail.Full => report,
            NotificationDetail.FailedStepsOnly => report with { Instances = [.. report.Instances.Select(i => i with { Steps = [.. i.Steps.Where(s => s.Outcome == StepOutcome.Failed)] })] },
            _ => report with { Instances = [.. report.Instances.Select(i => i with { Steps = [] })] },
        };
        var document = new NotificationDocument(
            response.Trigger,
            report.ReportId,
            response.Outcome,
            report.DryRun,
            detail != NotificationDetail.Full,
            Math.Max(0, response.Findings.Count - listedCount),
            [.. response.Findings.Take(listedCount).Select(f => new NotificationFinding(
                f.Finding.Id, f.Finding.ProductArn, f.Finding.Type, f.Finding.Severity, f.Finding.Account, f.Finding.Region,
                f.Outcome, detail == NotificationDetail.Counts ? Fit(f.Summary, 1024) : f.Summary, FindingLinks.ConsoleUrl(f.Finding)))],
            [.. (updates?.Unprocessed ?? []).Take(listedCount)],
            detail == NotificationDetail.Counts ? trimmedReport with { Instances = [.. trimmedReport.Instances.Take(listedCount).Select(i => i with { Reason = i.Reason is null ? null : Fit(i.Reason, 256) })] } : trimmedReport)
        {
            NotReachedInTime = NotReached(report),
        };
        return JsonSerializer.Serialize(document, ThreatResponseJsonContext.Compact.NotificationDocument);
    }


    /// <summary>ASCII only and at most <paramref name="max"/> characters: SNS refuses other subjects.</summary>
    private static string Fit(string text, int max)
    {
        var ascii = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            ascii.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return ascii.Length <= max ? ascii.ToString() : ascii.ToString(0, max - 3) + "...";
    }
}
