using ThreatResponse.Core.Containment;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>The "Release" custom action. Restores the instances of the selected findings from the state saved when they were isolated. Handler: <c>ThreatResponse.Functions::ThreatResponse.Functions.ReleaseInstanceAction::HandleAsync</c>.</summary>
public sealed class ReleaseInstanceAction : CustomActionFunction
{
    /// <summary>For the Lambda runtime: configured from the environment, clients shared by every invocation.</summary>
    public ReleaseInstanceAction()
        : this(FunctionRuntime.Shared)
    {
    }

    public ReleaseInstanceAction(FunctionRuntime runtime)
        : base(runtime, [ContainmentAction.Release], nameof(ReleaseInstanceAction))
    {
    }

    public Task<Stream> HandleAsync(Stream input) => RespondAsync(input);
}
