using ThreatResponse.Core.Containment;

namespace ThreatResponse.Core.Notifications;

/// <summary>
/// What every body of a notification says when a response revoked (or in a dry run would revoke) a role's sessions:
/// the policy is on the role, so every instance using it — not only the contained one — loses the credentials it
/// holds now until they refresh.
/// </summary>
internal static class RevokedSessionsWarning
{
    /// <summary>One sentence per role whose sessions were revoked; empty when none were.</summary>
    public static IReadOnlyList<string> Of(ContainmentReport report) =>
        [.. Revoked(report), .. Kept(report)];

    private static IEnumerable<string> Revoked(ContainmentReport report) =>
        report.Instances
            .SelectMany(i => i.Steps
                .Where(s => s is { Action: ContainmentAction.RevokeSessions, Target: not null, Outcome: StepOutcome.Succeeded or StepOutcome.DryRun } && s.Step == StepName.RevokeSessions)
                .Select(s => (Role: s.Target!, s.Outcome, Instance: i.Instance.InstanceId.Value)))
            .GroupBy(r => (r.Role, r.Outcome))
            .Select(g => $"Sessions of role {g.Key.Role} issued before the revocation {(g.Key.Outcome == StepOutcome.DryRun ? "would be" : "are")} denied (for {string.Join(", ", g.Select(r => r.Instance).Distinct())}): every instance using that role loses the credentials it holds now until they refresh. Release removes the policy once credentials issued before the revocation have expired.");

    /// <summary>A release that left a revocation in force says so, and until when: the step's detail begins "kept until".</summary>
    private static IEnumerable<string> Kept(ContainmentReport report) =>
        report.Instances
            .SelectMany(i => i.Steps
                .Where(s => s is { Action: ContainmentAction.Release, Target: not null, Outcome: StepOutcome.Succeeded or StepOutcome.DryRun, Detail: not null } && s.Step == StepName.RemoveRevokedSessions
                    && s.Detail.StartsWith("kept until ", StringComparison.Ordinal))
                .Select(s => $"The revocation of role {s.Target}'s sessions outlives the release of {i.Instance.InstanceId}: {s.Detail}"))
            .Distinct();
}
