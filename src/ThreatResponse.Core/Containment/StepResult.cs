namespace ThreatResponse.Core.Containment;

/// <summary>One step of one action on one instance, as the report shows it.</summary>
/// <param name="Action">The action the step belongs to; null for the shared lookup.</param>
/// <param name="Step">A stable step name (<c>conversion-group</c>, <c>metadata-endpoint</c>...).</param>
/// <param name="Target">What the step touched when narrower than the instance: an ENI, a VPC, a volume.</param>
/// <param name="Detail">What was done, or why not.</param>
/// <param name="ErrorCode">The AWS error code of a failed step.</param>
public sealed record StepResult(
    ContainmentAction? Action,
    string Step,
    string? Target,
    StepOutcome Outcome,
    string? Detail,
    string? ErrorCode,
    long DurationMs);
