using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// One response to one event: contain what the decisions say, record it on the findings, notify once — and throw
/// <see cref="ResponseFailedException"/> afterwards when something a retry could fix did not complete.
/// </summary>
public sealed class FindingResponder(ContainmentEngine engine, IFindingUpdater findingUpdater, INotifier notifier, FindingUpdateOptions updateOptions)
{
    /// <summary>Findings Security Hub cannot update however often it is asked (no Security Hub, or a finding it never had).</summary>
    private static readonly HashSet<string> PermanentUpdateErrors = new(StringComparer.Ordinal) { "FindingNotFound", "InvalidInput", "InvalidInputException" };

    /// <param name="trigger">Who asked: the function's name.</param>
    /// <param name="securityHubRegion">Where to update the findings: the event's Region.</param>
    public async Task<ResponseResult> RespondAsync(
        string trigger, IReadOnlyList<FindingDecision> decisions, bool dryRun, string securityHubRegion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var acting = decisions.Where(d => d.Actions.Count > 0 && d.Finding.Instances.Count > 0).ToList();
        var actions = acting.SelectMany(d => d.Actions).Distinct().ToList();
        var instances = new Dictionary<InstanceReference, string>();
        foreach (var decision in acting)
        {
            foreach (var instance in decision.Finding.Instances)
            {
                instances.TryAdd(instance, decision.Finding.Id);
            }
        }

        var request = new ContainmentRequest(decisions.Count == 1 ? decisions[0].Finding.Id : null, [.. instances.Keys], actions, dryRun)
        {
            FindingIdByInstance = instances,
        };
        var report = await engine.RunAsync(request, cancellationToken);
        var reasons = decisions.Where(d => d.Actions.Count == 0).ToDictionary(d => d.Finding, d => d.Reason ?? $"rule {d.Rule}: notify only");
        var summary = ResponseSummary.Create(trigger, [.. decisions.Select(d => d.Finding)], report, f => reasons.GetValueOrDefault(f));

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

        var notification = NotificationComposer.Compose(summary, updates is null && updateError is not null
            ? new FindingUpdateResult(0, [.. summary.Findings.Select(f => new UnprocessedFinding(f.Finding.Id, f.Finding.ProductArn, "UpdateFailed", updateError))])
            : updates);

        // A failed publish throws from here: the event is retried and nothing is lost.
        var messageId = await notifier.PublishAsync(notification, cancellationToken);

        var retryable = summary.Outcome == StepOutcome.Failed
            || updateError is not null
            || (updates?.Unprocessed.Any(u => !PermanentUpdateErrors.Contains(u.ErrorCode)) ?? false);
        var result = new ResponseResult(summary, updates, updateError, messageId, retryable);
        return retryable ? throw new ResponseFailedException(result) : result;
    }
}
