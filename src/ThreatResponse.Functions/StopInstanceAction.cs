using ThreatResponse.Core.Containment;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>The "Stop" custom action. Stops (or hibernates) the instances of the selected findings, termination protection first. Handler: <c>ThreatResponse.Functions::ThreatResponse.Functions.StopInstanceAction::HandleAsync</c>.</summary>
public sealed class StopInstanceAction : CustomActionFunction
{
    /// <summary>For the Lambda runtime: configured from the environment, clients shared by every invocation.</summary>
    public StopInstanceAction()
        : this(FunctionRuntime.Shared)
    {
    }

    public StopInstanceAction(FunctionRuntime runtime)
        : base(runtime, [ContainmentAction.Stop], nameof(StopInstanceAction))
    {
    }

    public Task<Stream> HandleAsync(Stream input) => RespondAsync(input);
}
