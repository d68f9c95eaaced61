using ThreatResponse.Core.Containment;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>The "Snapshot" custom action. Snapshots every EBS volume of the instances of the selected findings. Handler: <c>ThreatResponse.Functions::ThreatResponse.Functions.SnapshotInstanceAction::HandleAsync</c>.</summary>
public sealed class SnapshotInstanceAction : CustomActionFunction
{
    /// <summary>For the Lambda runtime: configured from the environment, clients shared by every invocation.</summary>
    public SnapshotInstanceAction()
        : this(FunctionRuntime.Shared)
    {
    }

    public SnapshotInstanceAction(FunctionRuntime runtime)
        : base(runtime, [ContainmentAction.Snapshot], nameof(SnapshotInstanceAction))
    {
    }

    public Task<Stream> HandleAsync(Stream input) => RespondAsync(input);
}
