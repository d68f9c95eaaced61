using ThreatResponse.Core.Containment;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>
/// The "Collect evidence" custom action: runs the collection script on each instance of the selected findings through
/// Systems Manager and keeps the archive in the evidence bucket (<c>EVIDENCE_BUCKET_NAME</c>), read back and verified.
/// An instance without an online SSM agent is skipped, saying so. Handler:
/// <c>ThreatResponse.Functions::ThreatResponse.Functions.CollectEvidenceAction::HandleAsync</c>.
/// </summary>
public sealed class CollectEvidenceAction : CustomActionFunction
{
    /// <summary>For the Lambda runtime: configured from the environment, clients shared by every invocation.</summary>
    public CollectEvidenceAction()
        : this(FunctionRuntime.Shared)
    {
    }

    public CollectEvidenceAction(FunctionRuntime runtime)
        : base(runtime, [ContainmentAction.Collect], nameof(CollectEvidenceAction))
    {
    }

    public Task<Stream> HandleAsync(Stream input) => RespondAsync(input);
}
