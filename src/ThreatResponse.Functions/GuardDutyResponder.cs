using ThreatResponse.Core.Findings;
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
        _runtime = runtime;
        _log = new FunctionLog(runtime.Output, runtime.Time, nameof(GuardDutyResponder));
    }

    public async Task<Stream> HandleAsync(Stream input)
    {
        var mode = ResponseModes.Parse(_runtime.Environment["AUTO_RESPONSE_MODE"]);
        var findingEvent = await EventHandling.ReadAsync(input, FindingEventKind.GuardDutyFinding, _log, CancellationToken.None);
        var playbook = await _runtime.Playbooks.GetAsync(CancellationToken.None);
        if (playbook.Error is not null)
        {
            _log.Error(playbook.Error, ("source", playbook.Source));
            _log.Count("PlaybookInvalid");
        }

        var decisions = PlaybookDecisions.Decide(findingEvent.Findings, playbook, mode);
        return await EventHandling.RespondAsync(_runtime, _log, nameof(GuardDutyResponder), findingEvent, decisions, CancellationToken.None);
    }
}
