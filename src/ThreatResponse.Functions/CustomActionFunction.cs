using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>
/// A Security Hub custom action: the analyst's button. Acts on every finding of the event; a finding without an EC2
/// instance is reported as skipped (and noted on the finding). An event whose <c>resources</c> do not name this
/// function's action (<c>ACTION_TARGET_ARN</c>) is refused before anything is done. <c>DRY_RUN=true</c> checks only.
/// Without <c>ACTION_TARGET_ARN</c> the function refuses to start (<see cref="ThreatResponse.Core.Settings.InvalidSettingsException"/>).
/// </summary>
/// <param name="actions">What the button does to each instance, in order (one action, or e.g. isolate and revoke-sessions).</param>
public abstract class CustomActionFunction(FunctionRuntime runtime, IReadOnlyList<ContainmentAction> actions, string name)
{
    private readonly string _target = runtime.Settings.RequireActionTarget();
    private readonly FunctionLog _log = new(runtime.ServingFunction(name).Output, runtime.Time, name);

    protected Task<Stream> RespondAsync(Stream input) =>
        FunctionInvocation.RunAsync(runtime, _log, name, input, new CustomActionPolicy(_target, actions, name, runtime.Settings.DryRun), CancellationToken.None);
}
