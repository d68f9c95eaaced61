namespace ThreatResponse.Core.Serialization;

/// <summary>The output of <c>threat-response plan</c>: <c>{"decisions":[{"findingId","instanceId","rule","actions"}]}</c>.</summary>
public sealed record PlanDocument(IReadOnlyList<PlannedDecision> Decisions);

/// <param name="InstanceId">Null when the finding names no instance.</param>
/// <param name="Actions">From notify, isolate, snapshot, stop, revoke-sessions: <c>["notify"]</c> when nothing is contained.</param>
public sealed record PlannedDecision(string FindingId, string? InstanceId, string Rule, IReadOnlyList<string> Actions);
