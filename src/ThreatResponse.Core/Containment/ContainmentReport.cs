namespace ThreatResponse.Core.Containment;

/// <summary>The record of one response: per instance, per step, what happened.</summary>
/// <param name="ReportId">Unique per response; quoted on the finding note and in the notification.</param>
/// <param name="FindingId">The finding the response is for; null for an operator's CLI action without one.</param>
public sealed record ContainmentReport(
    string ReportId,
    string? FindingId,
    IReadOnlyList<ContainmentAction> Actions,
    bool DryRun,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    StepOutcome Outcome,
    IReadOnlyList<InstanceResult> Instances)
{
    /// <summary>What waited for every instance's isolation because EC2 request tokens were scarce; null when nothing did.</summary>
    public DeferredWork? Deferred { get; init; }
}
