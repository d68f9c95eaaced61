using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Responses;

/// <summary>What to do about one finding, and the rule that said so. No actions means notify only.</summary>
/// <param name="Reason">Why nothing is contained, when nothing is.</param>
public sealed record FindingDecision(Finding Finding, IReadOnlyList<ContainmentAction> Actions, string Rule, string? Reason = null);
