using ThreatResponse.Core.Containment;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>The "Isolate" custom action. Isolates the instances of the selected findings. Handler: <c>ThreatResponse.Functions::ThreatResponse.Functions.IsolateInstanceAction::HandleAsync</c>.</summary>
public sealed class IsolateInstanceAction : CustomActionFunction
{
    /// <summary>For the Lambda runtime: configured from the environment, clients shared by every invocation.</summary>
    public IsolateInstanceAction()
        : this(FunctionRuntime.Shared)
    {
    }

    public IsolateInstanceAction(FunctionRuntime runtime)
        : base(runtime, [ContainmentAction.Isolate], nameof(IsolateInstanceAction))
    {
    }

    public Task<Stream> HandleAsync(Stream input) => RespondAsync(input);
}
