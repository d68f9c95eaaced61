using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Containment;

[JsonConverter(typeof(JsonStringEnumConverter<StepOutcome>))]
public enum StepOutcome
{
    [JsonStringEnumMemberName("succeeded")] Succeeded,

    /// <summary>Not done, on purpose: the reason says why (exempt, already done, not applicable).</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,

    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Checked with EC2's DryRun (permissions and parameters) and not done.</summary>
    [JsonStringEnumMemberName("dry-run")] DryRun,
}

/// <summary>
/// The one roll-up of outcomes — steps into an instance's, instances into a report's or a finding's, findings into a
/// response's, reports into one — so every reader of a response sees the same verdict.
/// </summary>
public static class StepOutcomes
{
    /// <summary>
    /// Precedence, decided once: failed, then dry run, then succeeded, then skipped. A failure is what on-call must see
    /// whatever else went well; a dry run changed nothing, so it is never reported as a success even where part of the
    /// response was carried out; skipped only when nothing was attempted, and nothing at all is skipped.
    /// </summary>
    public static StepOutcome Combine(IEnumerable<StepOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var combined = StepOutcome.Skipped;
        foreach (var outcome in outcomes)
        {
            if (Rank(outcome) > Rank(combined))
            {
                combined = outcome;
            }
        }

        return combined;
    }

    /// <summary>
    /// One instance's outcome from its steps: any failed step fails it (the lookup too); otherwise the steps of its
    /// actions decide — the shared lookup and checks without an action are not what was asked for.
    /// </summary>
    public static StepOutcome OfInstance(IEnumerable<StepResult> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var list = steps as IReadOnlyCollection<StepResult> ?? [.. steps];
        return list.Any(s => s.Outcome == StepOutcome.Failed)
            ? StepOutcome.Failed
            : Combine(list.Where(s => s.Action is not null).Select(s => s.Outcome));
    }

    private static int Rank(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Skipped => 0,
        StepOutcome.Succeeded => 1,
        StepOutcome.DryRun => 2,
        StepOutcome.Failed => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
