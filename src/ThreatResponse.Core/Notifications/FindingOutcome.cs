using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Notifications;

/// <summary>What a response did about one finding: the outcome over its instances, or why nothing was done.</summary>
/// <param name="Summary">One line for people: what was done to which instance, or why not.</param>
public sealed record FindingOutcome(Finding Finding, StepOutcome Outcome, string Summary, IReadOnlyList<InstanceResult> Instances);
