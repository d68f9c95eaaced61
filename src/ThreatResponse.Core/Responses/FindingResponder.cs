using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// One response to one event: claim the decisions in the ledger (when there is one), contain what they say, record it
/// on the findings, notify once — and throw <see cref="ResponseFailedException"/> afterwards when something a retry
/// could fix did not complete. Decisions already carried out are neither repeated nor notified again.
/// </summary>
public sealed class FindingResponder(ContainmentEngine engine, ResponseOutlets outlets, TimeProvider time, IResponseLedger? ledger = null)
{
    private readonly IFindingUpdater findingUpdater = outlets.FindingUpdater;
    private readonly INotifier notifier = outlets.Notifier;
    private readonly FindingUpdateOptions updateOptions = outlets.UpdateOptions;

    /// <summary>Decisions are claimed and recorded in a ledger: a decision carried out once stays done across deliveries.</summary>
    public bool HasLedger => ledger is not null;

    /// <returns>The result, or null when every decision had already been carried out (a repeated delivery).</returns>
    public async Task<ResponseResult?> RespondAsync(ResponseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Decisions);
        var (trigger, decisions, securityHubRegion) = (request.Trigger, request.Decisions, request.SecurityHubRegion);

        // The claims run alongside the instances' lookups, all at once; an instance is changed as soon as its own claim is
        // won, never before (the gate).
        var perDecision = decisions.Select(d => ClaimOneAsync(d, request.EventId, cancellationToken)).ToList();
        var gate = ledger is null ? null : new DecisionClaimGate(decisions, perDecision);
        var claims = ClaimTally.CollectAsync(decisions, perDecision);
        var containment = ContainAsync(decisions, gate, request.Deadline, cancellationToken);

        // Both run to their end before either is read: a failed claim fails its instances at the gate, and the engine
        // reports that per instance.
        await Task.WhenAll(claims, containment).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var outcome = await claims;

        var claimed = outcome.Won;
        if (claimed.Count == 0 && outcome.Answered.Count == 0)
        {
            return outcome.Held.Count > 0 ? await HeldElsewhereAsync(trigger, outcome.Held, cancellationToken) : null;
        }

        var report = ClaimTally.Completing(await containment, outcome.Interrupted);
        var told = claimed.Concat(outcome.Answered).ToList();
        var findings = told.Select(d => d.Finding).Distinct().ToList();
        var reasons = findings
            .Where(f => told.Where(d => d.Finding == f).All(d => d.Actions.Count == 0))
            .ToDictionary(f => f, f => string.Join("; ", told.Where(d => d.Finding == f).Select(d => d.Reason ?? $"rule {d.Rule}: notify only").Distinct()));
        var notes = findings.ToDictionary(f => f, f => outcome.Notes.Where(n => n.Decision.Finding == f).Select(n => n.Text).ToList());
        var summary = ResponseSummary.Create(trigger, findings, report, f => reasons.GetValueOrDefault(f), f => notes[f] is { Count: > 0 } n ? string.Join("; ", n) : null);

        FindingUpdateResult? updates = null;
        string? updateError = null;
        try
        {
            updates = await findingUpdater.UpdateAsync(FindingUpdateComposer.Compose(summary, securityHubRegion, updateOptions), cancellationToken);
        }
        catch (AwsOperationException e)
        {
            updateError = e.Message;
        }

        var notification = NotificationComposer.Compose(summary, notifier.Fits, updates is null && updateError is not null
            ? new FindingUpdateResult(0, [.. summary.Findings.Select(f => new UnprocessedFinding(f.Finding.Id, f.Finding.ProductArn, "UpdateFailed", updateError, WorthRetrying: true))])
            : updates);

        string messageId;
        try
        {
            messageId = await notifier.PublishAsync(notification, cancellationToken);
        }
        catch (AwsOperationException)
        {
            // Not notified: the claims must not make the retry think it was.
            await RecordAsync(claimed, summary, report, failed: true, cancellationToken);
            throw;
        }

        var retryable = summary.Outcome == StepOutcome.Failed
            || updateError is not null
            || (updates?.Unprocessed.Any(u => u.WorthRetrying) ?? false);
        await RecordAsync(claimed, summary, report, retryable, cancellationToken);
        var result = new ResponseResult(summary, updates, updateError, messageId, retryable);
        if (outcome.Held.Count > 0)
        {
            // What was won is done and told; the rest is another invocation's, not yet seen done: Lambda retries.
            await HeldElsewhereAsync(trigger, outcome.Held, cancellationToken);
        }

        return retryable ? throw new ResponseFailedException(result) : result;
    }

    private async Task<ResponseResult?> HeldElsewhereAsync(string trigger, List<FindingDecision> held, CancellationToken cancellationToken)
    {
        var exception = new ResponseUnderWayElsewhereException(held);
        await NotifyHeldAsync(trigger, exception, cancellationToken);
        throw exception;
    }

    /// <summary>
    /// Claims one decision. A decision another invocation holds is waited for (up to <see cref="ClaimWait"/>), claimed
    /// again: taken when that invocation failed, done when it succeeded; still held after the wait, the response ends by
    /// throwing <see cref="ResponseUnderWayElsewhereException"/>, so Lambda retries it and never counts it a success. An
    /// automatic decision on an instance an analyst released becomes an answer (notified and noted, not contained).
    /// </summary>
    private async Task<Claim> ClaimOneAsync(FindingDecision decision, string? eventId, CancellationToken cancellationToken)
    {
        if (ledger is null)
        {
            return new Claim(ClaimOutcome.Claimed);
        }

        var claim = await ledger.ClaimAsync(decision, eventId, time.GetUtcNow(), countDelivery: true, cancellationToken);
        if (claim.Outcome != ClaimOutcome.UnderWayElsewhere)
        {
            return claim;
        }

        // Reads while waiting; one more claim when the holder let go (it failed: take over; it succeeded: done).
        var waitUntil = time.GetUtcNow() + ClaimWait;
        while (time.GetUtcNow() < waitUntil && await ledger.IsHeldAsync(decision, time.GetUtcNow(), cancellationToken))
        {
            await Task.Delay(ClaimPoll, time, cancellationToken);
        }

        return await ledger.ClaimAsync(decision, eventId, time.GetUtcNow(), countDelivery: false, cancellationToken);
    }

    /// <summary>
    /// Tells on-call that this delivery of the response is failing because another invocation holds it: Lambda retries
    /// it, a claim left by a dead invocation is taken over after its lifetime, and an event every retry failed is kept in
    /// the on-failure queue. Best effort: the exception that follows is what Lambda acts on.
    /// </summary>
    private async Task NotifyHeldAsync(string trigger, ResponseUnderWayElsewhereException held, CancellationToken cancellationToken)
    {
        try
        {
            await notifier.PublishAsync(
                NotificationComposer.Delayed(trigger, [.. held.Decisions.Select(d => new DelayedDecision(d.Finding, d.Instance, d.Key))], ClaimWait), cancellationToken);
        }
        catch (AwsOperationException)
        {
            // The failure below still reaches Lambda's retries and the on-failure queue.
        }
    }

    /// <summary>How long a delivery waits for another invocation that holds the same decision; default 20 s (<c>CLAIM_WAIT_SECONDS</c>).</summary>
    public TimeSpan ClaimWait { get; init; } = DefaultClaimWait;

    public static readonly TimeSpan DefaultClaimWait = Settings.SettingsTable.ClaimWait.DefaultValue;

    private static readonly TimeSpan ClaimPoll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// One containment request per distinct action list and mode; their reports are merged into one. With
    /// <paramref name="gate"/>, an instance is changed only once a decision naming it was claimed.
    /// </summary>
    private async Task<ContainmentReport> ContainAsync(IReadOnlyList<FindingDecision> decisions, DecisionClaimGate? gate, ResponseDeadline? deadline, CancellationToken cancellationToken)
    {
        var groups = decisions.Where(d => d.Instance is not null && d.Actions.Count > 0)
            .GroupBy(d => d.Key)
            .Select(g => g.ToList())
            .ToList();
        var reports = await Task.WhenAll(groups.Select(group =>
        {
            var byInstance = new Dictionary<InstanceReference, string>();
            var accountByInstance = new Dictionary<InstanceReference, string>();
            foreach (var d in group)
            {
                byInstance.TryAdd(d.Instance!, d.Finding.Id);
                // A finding names its own account's instances, except a GuardDuty attack sequence, whose resources each
                // carry their own account (GuardDuty's events cannot be forged: aws.* sources are reserved).
                accountByInstance.TryAdd(d.Instance!, d.Finding.Sequence is null ? d.Finding.Account : d.Instance!.Account);
            }

            var findingIds = group.Select(d => d.Finding.Id).Distinct().ToList();
            return engine.RunAsync(
                new ContainmentRequest(findingIds.Count == 1 ? findingIds[0] : null, [.. byInstance.Keys], group[0].Actions, group[0].DryRun)
                {
                    FindingIdByInstance = byInstance,
                    FindingAccountByInstance = accountByInstance,
                    DenyInNetworkAcls = group[0].NetworkAcl,
                    EvidenceFirst = group[0].EvidenceFirst,
                    Deadline = deadline,
                    ReleaseOnlyForIsolatingFinding = true,
                    Claims = gate?.For(group),
                },
                cancellationToken);
        }));

        if (reports.Length == 1)
        {
            return reports[0];
        }

        var now = time.GetUtcNow();
        var findingsIds = decisions.Select(d => d.Finding.Id).Distinct().ToList();
        return new ContainmentReport(
            reports.FirstOrDefault()?.ReportId ?? "tr-" + Guid.CreateVersion7(now).ToString("N"),
            findingsIds.Count == 1 ? findingsIds[0] : null,
            [.. reports.SelectMany(r => r.Actions).Distinct()],
            reports.Length > 0 && reports.All(r => r.DryRun),
            reports.Length > 0 ? reports.Min(r => r.StartedAt) : now,
            reports.Length > 0 ? reports.Max(r => r.CompletedAt) : now,
            StepOutcomes.Combine(reports.Select(r => r.Outcome)),
            [.. reports.SelectMany(r => r.Instances)])
        {
            Deferred = reports.Aggregate((DeferredWork?)null, (merged, r) => DeferredWork.Merge(merged, r.Deferred)),
        };
    }

    /// <summary>The ledger's outcome of a release refused because the finding is not the one that isolated the instance.</summary>
    public const string Refused = "refused";

    private async Task RecordAsync(List<FindingDecision> claimed, ResponseSummary summary, ContainmentReport report, bool failed, CancellationToken cancellationToken)
    {
        if (ledger is null)
        {
            return;
        }

        // Together, as the claims were: one write per decision, none waiting for another.
        var at = time.GetUtcNow();
        await Task.WhenAll(claimed.Select(decision =>
        {
            var finding = summary.Findings.First(f => f.Finding == decision.Finding);
            var instance = decision.Instance is null ? null : finding.Instances.FirstOrDefault(i => i.Instance == decision.Instance);
            var outcome = failed && (instance?.Outcome ?? finding.Outcome) != StepOutcome.Failed ? "failed" : (instance?.Outcome ?? finding.Outcome).Text();
            if (instance?.Steps.Any(s => s.ErrorCode == ContainmentRequest.NotTheIsolatingFinding) == true)
            {
                // Not a release: the ledger must not mark this finding released (that would hold back automatic response).
                outcome = Refused;
            }

            var evidence = report.Instances.Where(i => i.Instance == decision.Instance)
                .SelectMany(i => i.Steps.Where(s => s.Step == StepName.EvidenceStored && s.Outcome == StepOutcome.Succeeded).Select(s => $"{s.Target}: {s.Detail}"))
                .ToList();
            return ledger.RecordAsync(decision, new LedgerOutcome(outcome, report.ReportId, instance?.Reason ?? finding.Summary, at)
            {
                Trigger = summary.Trigger,
                Evidence = evidence,
            }, cancellationToken);
        }));
    }
}
