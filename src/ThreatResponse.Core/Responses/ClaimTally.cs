using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Responses;

/// <summary>What a delivery's claims came to, and what that means for its report.</summary>
internal static class ClaimTally
{
    public static async Task<Claims> CollectAsync(IReadOnlyList<FindingDecision> decisions, List<Task<Claim>> perDecision)
    {
        var claims = await Task.WhenAll(perDecision);
        var outcomes = decisions.Zip(claims, (decision, claim) => (decision, claim)).ToList();
        var won = outcomes.Where(o => o.claim.Outcome == ClaimOutcome.Claimed).Select(o => o.decision).ToList();
        var held = outcomes.Where(o => o.claim.Outcome == ClaimOutcome.UnderWayElsewhere).Select(o => o.decision).ToList();
        var answered = outcomes.Where(o => o.claim.Outcome == ClaimOutcome.ReleasedByAnalyst)
            .Select(o => o.decision with
            {
                Actions = [],
                Reason = $"{o.decision.Instance?.InstanceId.ToString() ?? "the finding"} was released by an analyst at {o.claim.ReleasedAt:u}; not re-contained"
                    + (o.decision.MoreSevereOverridesRelease ? " (this update is not more severe than the finding was then)" : $" (rule {o.decision.Rule} does not set moreSevereOverridesRelease)"),
            })
            .ToList();
        var interrupted = outcomes.Where(o => o.claim is { Outcome: ClaimOutcome.Claimed, InterruptedSince: not null } && o.decision.Instance is not null)
            .GroupBy(o => o.decision.Instance!)
            .ToDictionary(g => g.Key, g => g.Min(o => o.claim.InterruptedSince!.Value));
        var notes = outcomes.Where(o => o.claim.Outcome == ClaimOutcome.Claimed && o.claim.DoneBefore is not null)
            .Select(o => (o.decision, $"repeated request: {string.Join('+', o.decision.Actions.Select(ContainmentActionNames.Of))} of {o.decision.Instance?.InstanceId} already done {o.claim.DoneBefore:u}; checked again now"))
            .Concat(answered.Where(a => won.Any(w => w.Finding == a.Finding)).Select(a => (a, a.Reason!)))
            .Concat(won.Where(d => d.Finding.Sequence is not null).DistinctBy(d => d.Finding).Select(d => (d, d.Finding.Sequence!.Describe())))
            .ToList();
        return new Claims(won, answered, notes) { Interrupted = interrupted, Held = held };
    }

    /// <summary>
    /// This response completes the one an invocation began before it died: what that one did is found done and skipped
    /// here, yet it is this response's outcome to report — the one notification of the containment says so.
    /// </summary>
    public static ContainmentReport Completing(ContainmentReport report, IReadOnlyDictionary<InstanceReference, DateTimeOffset> interrupted)
    {
        if (interrupted.Count == 0)
        {
            return report;
        }

        var instances = report.Instances.Select(r => interrupted.TryGetValue(r.Instance, out var since)
            ? r with
            {
                Outcome = r.Outcome == StepOutcome.Skipped ? StepOutcome.Succeeded : r.Outcome,
                Reason = $"completed a response begun {since:u} by an invocation that died" + (r.Reason is null ? "" : $"; {r.Reason}"),
            }
            : r).ToList();
        return report with
        {
            Instances = instances,
            Outcome = StepOutcomes.Combine(instances.Select(i => i.Outcome)),
        };
    }
}

/// <summary>What the claims came to: decisions to carry out, decisions only answered (released), and notes for the findings.</summary>
internal sealed record Claims(List<FindingDecision> Won, List<FindingDecision> Answered, List<(FindingDecision Decision, string Text)> Notes)
{
    /// <summary>Instances whose response an invocation that died had begun, with when it claimed.</summary>
    public IReadOnlyDictionary<InstanceReference, DateTimeOffset> Interrupted { get; init; } = new Dictionary<InstanceReference, DateTimeOffset>();

    /// <summary>Decisions another invocation still holds after the wait: not seen done, so this delivery fails in the end.</summary>
    public List<FindingDecision> Held { get; init; } = [];
}
