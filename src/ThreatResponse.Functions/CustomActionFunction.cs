using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Responses;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>
/// A Security Hub custom action: the analyst's button. Acts on every finding of the event; a finding without an EC2
/// instance is reported as skipped (and noted on the finding). An event whose <c>resources</c> do not name this
/// function's action (<c>ACTION_TARGET_ARN</c>) is refused before anything is done. <c>DRY_RUN=true</c> checks only.
/// </summary>
public abstract class CustomActionFunction(FunctionRuntime runtime, ContainmentAction action, string name)
{
    private readonly FunctionLog _log = new(runtime.Output, runtime.Time, name);

    protected async Task<Stream> RespondAsync(Stream input)
    {
        var actionTarget = runtime.Required("ACTION_TARGET_ARN");
        var dryRun = runtime.Flag("DRY_RUN");
        var findingEvent = await EventHandling.ReadAsync(input, FindingEventKind.SecurityHubCustomAction, _log, CancellationToken.None);
        if (!string.Equals(findingEvent.CustomActionArn, actionTarget, StringComparison.Ordinal))
        {
            EventHandling.Reject(_log, $"event rejected, nothing was done: $.resources names {findingEvent.CustomActionArn}, but this function serves {actionTarget}");
        }

        var rule = $"custom-action:{findingEvent.CustomActionName ?? name}";
        var decisions = findingEvent.Findings.SelectMany(f => FindingDecision.ForEachInstance(f, [action], rule, dryRun: dryRun)).ToList();
        return await EventHandling.RespondAsync(runtime, _log, name, findingEvent, decisions, CancellationToken.None);
    }
}
