using ThreatResponse.Core.Containment;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions;

/// <summary>
/// The "Isolate + revoke sessions" custom action: isolates the instances of the selected findings and denies every
/// session of each one's role issued before now, so that role credentials taken from them stop working — and so do
/// the current credentials of every other instance using the role, until they refresh. Deployed only with
/// <c>EnableRevokeSessions=true</c>. Handler: <c>ThreatResponse.Functions::ThreatResponse.Functions.IsolateAndRevokeSessionsAction::HandleAsync</c>.
/// </summary>
public sealed class IsolateAndRevokeSessionsAction : CustomActionFunction
{
    /// <summary>For the Lambda runtime: configured from the environment, clients shared by every invocation.</summary>
    public IsolateAndRevokeSessionsAction()
        : this(FunctionRuntime.Shared)
    {
    }

    public IsolateAndRevokeSessionsAction(FunctionRuntime runtime)
        : base(runtime, [ContainmentAction.Isolate, ContainmentAction.RevokeSessions], nameof(IsolateAndRevokeSessionsAction))
    {
    }

    public Task<Stream> HandleAsync(Stream input) => RespondAsync(input);
}
