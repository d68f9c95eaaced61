using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment;

/// <summary>Everything done to one instance. <see cref="Outcome"/>: failed if any step failed; skipped if nothing was attempted.</summary>
public sealed record InstanceResult(
    InstanceReference Instance,
    string? Name,
    StepOutcome Outcome,
    string? Reason,
    IReadOnlyList<StepResult> Steps);
