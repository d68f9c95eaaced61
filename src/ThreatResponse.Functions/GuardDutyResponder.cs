using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>
/// Automatic response to GuardDuty findings about EC2 instances, as the playbook decides per finding and instance
/// (<c>PLAYBOOK</c>, <c>PLAYBOOK_PARAMETER_NAME</c>, or the embedded default), within <c>AUTO_RESPONSE_MODE</c>:
/// <c>off</c> notifies only, <c>dry-run</c> (the default) checks every call, <c>enforce</c> acts. An unusable playbook
/// contains nothing: it is notified, logged, and counted in the <c>PlaybookInvalid</c> metric.
/// Handler: <c>ThreatResponse.Functions::ThreatResponse.Functions.GuardDutyResponder::HandleAsync</c>.
/// </summary>
public sealed class GuardDutyResponder
{
    private readonly FunctionRuntime _runtime;
    private readonly FunctionLog _log;

    public GuardDutyResponder()
        : this(FunctionRuntime.Shared)
    {
    }

    public GuardDutyResponder(FunctionRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime.ServingFunction(nameof(GuardDutyResponder));
        _log = new FunctionLog(runtime.Output, runtime.Time, nameof(GuardDutyResponder));
    }

    public Task<Stream> HandleAsync(Stream input) =>
        FunctionInvocation.RunAsync(_runtime, _log, nameof(GuardDutyResponder), input,
            new PlaybookPolicy(PlaybookInForceAsync, _runtime.Settings.AutoResponseMode), CancellationToken.None);

    /// <summary>The playbook, read once the event is accepted; an unusable one is logged and counted before anything is decided.</summary>
    private async Task<LoadedPlaybook> PlaybookInForceAsync(CancellationToken cancellationToken)
    {
        var playbook = await _runtime.Playbooks.GetAsync(cancellationToken);
        if (playbook.Error is not null)
        {
            _log.Error(playbook.Error, ("source", playbook.Source));
            _log.Count("PlaybookInvalid");
        }

        return playbook;
    }
}
