using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// An analyst's button: <paramref name="actions"/> on every instance of every finding of the event, refused unless the
/// event names this function's action target (<c>ACTION_TARGET_ARN</c>).
/// </summary>
public sealed class CustomActionPolicy(string actionTargetArn, IReadOnlyList<ContainmentAction> actions, string functionName, bool dryRun) : IDecisionPolicy
{
    private static readonly HashSet<FindingEventKind> CustomActions = [FindingEventKind.SecurityHubCustomAction];

    public IReadOnlySet<FindingEventKind> Serves => CustomActions;

    public string? Refuse(FindingEvent findingEvent)
    {
        ArgumentNullException.ThrowIfNull(findingEvent);
        return string.Equals(findingEvent.CustomActionArn, actionTargetArn, StringComparison.Ordinal)
            ? null
            : $"$.resources names {findingEvent.CustomActionArn}, but this function serves {actionTargetArn}";
    }

    public Task<IReadOnlyList<FindingDecision>> DecideAsync(FindingEvent findingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(findingEvent);
        var rule = $"custom-action:{findingEvent.CustomActionName ?? functionName}";
        return Task.FromResult<IReadOnlyList<FindingDecision>>([.. findingEvent.Findings.SelectMany(f => FindingDecision.ForEachInstance(f, actions, rule, dryRun: dryRun).Select(d => d with { ByAnalyst = true }))]);
    }
}
