using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment;

/// <summary>
/// Whether this response may change an instance: the ledger's claim (is this delivery the one that acts?), asked once
/// per instance after its lookup and before any change. The claim runs alongside the lookup instead of before it, one
/// round trip saved; the lookup only reads. Null on a request: every instance may be changed (no ledger).
/// </summary>
public interface IClaimGate
{
    /// <summary>True when the instance is this response's to change; false leaves it out of the report untouched.</summary>
    Task<bool> MayChangeAsync(InstanceReference instance);
}
