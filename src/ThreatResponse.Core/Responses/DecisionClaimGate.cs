using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// The ledger's claims as the engine's <see cref="IClaimGate"/>: an instance may be changed once a decision naming it
/// was claimed by this delivery. Each decision's claim is asked once, alongside the lookups; the gate only awaits them.
/// </summary>
internal sealed class DecisionClaimGate
{
    private readonly Dictionary<FindingDecision, Task<Claim>> _claims = new(ReferenceEqualityComparer.Instance);

    public DecisionClaimGate(IReadOnlyList<FindingDecision> decisions, IReadOnlyList<Task<Claim>> claims)
    {
        foreach (var (decision, claim) in decisions.Zip(claims))
        {
            _claims[decision] = claim;
        }
    }

    /// <summary>The gate of one containment request, which serves <paramref name="decisions"/>.</summary>
    public IClaimGate For(IReadOnlyList<FindingDecision> decisions) => new Scoped(this, decisions);

    private sealed class Scoped(DecisionClaimGate gate, IReadOnlyList<FindingDecision> decisions) : IClaimGate
    {
        public async Task<bool> MayChangeAsync(InstanceReference instance)
        {
            foreach (var decision in decisions.Where(d => d.Instance == instance))
            {
                if ((await gate._claims[decision]).Outcome == ClaimOutcome.Claimed)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
