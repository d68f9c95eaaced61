using System.Globalization;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Responses;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>
/// Automatic response to GuardDuty findings about EC2 instances, as the policy decides (never sample findings; notify
/// only below <c>SEVERITY_THRESHOLD</c>, default 7; isolate and snapshot at or above it), within
/// <c>AUTO_RESPONSE_MODE</c>: <c>off</c> notifies only, <c>dry-run</c> (the default) checks every call, <c>enforce</c> acts.
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
        var threshold = _runtime.Environment["SEVERITY_THRESHOLD"] is { } text
            ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
            : 7;
        var findingEvent = await EventHandling.ReadAsync(input, FindingEventKind.GuardDutyFinding, _log, CancellationToken.None);
        var policy = new DefaultGuardDutyPolicy(threshold);
        var decisions = findingEvent.Findings
            .Select(f => mode == ResponseMode.Off
                ? new FindingDecision(f, [], "mode-off", "AUTO_RESPONSE_MODE=off: notify only")
                : policy.Decide(f))
            .ToList();
        return await EventHandling.RespondAsync(_runtime, _log, nameof(GuardDutyResponder), findingEvent, decisions, mode == ResponseMode.DryRun, CancellationToken.None);
    }
}
