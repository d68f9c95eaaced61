using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Credentials;

namespace ThreatResponse.Core.Containment.Engine;

/// <summary>
/// The ports containment uses besides EC2, each optional: without one, what needs it is skipped and says why (no ledger:
/// state in tags and groups found by name; no fleet client: Auto Scaling and load balancers untouched; no IAM client:
/// sessions not revoked; no evidence collector: no collection).
/// </summary>
public sealed record ContainmentPorts
{
    /// <summary>The ledger's pre-isolation state; null: state kept in instance tags.</summary>
    public IIsolationStateStore? StateStore { get; init; }

    public IFleetMembership? Fleet { get; init; }

    public IInstanceRolePolicies? Roles { get; init; }

    public IEvidenceCollector? Evidence { get; init; }

    /// <summary>The ledger's record of the groups ThreatResponse made; used only with <see cref="StateStore"/>.</summary>
    public IQuarantineGroupRegistry? GroupRegistry { get; init; }

    public static ContainmentPorts None { get; } = new();
}
