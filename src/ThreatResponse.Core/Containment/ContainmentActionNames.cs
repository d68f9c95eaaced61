namespace ThreatResponse.Core.Containment;

/// <summary>The names actions have in playbooks, on the command line, in reports and in ledger keys.</summary>
public static class ContainmentActionNames
{
    /// <summary>The actions a playbook or an operator may ask for, by name (release has a command of its own).</summary>
    public static IReadOnlyList<string> Requestable { get; } = ["isolate", "snapshot", "stop", "revoke-sessions", "collect"];

    public static string Of(ContainmentAction action) => action switch
    {
        ContainmentAction.Isolate => "isolate",
        ContainmentAction.Snapshot => "snapshot",
        ContainmentAction.Stop => "stop",
        ContainmentAction.Release => "release",
        ContainmentAction.RevokeSessions => "revoke-sessions",
        ContainmentAction.Collect => "collect",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>One of <see cref="Requestable"/>; release is not.</summary>
    public static bool TryParseRequestable(string? text, out ContainmentAction action)
    {
        ContainmentAction? parsed = text switch
        {
            "isolate" => ContainmentAction.Isolate,
            "snapshot" => ContainmentAction.Snapshot,
            "stop" => ContainmentAction.Stop,
            "revoke-sessions" => ContainmentAction.RevokeSessions,
            "collect" => ContainmentAction.Collect,
            _ => null,
        };
        action = parsed ?? default;
        return parsed is not null;
    }

    /// <summary>
    /// Why a set of actions cannot be carried out together; null when it can. Revoking the role's sessions without
    /// isolating would hand whoever is on the instance fresh credentials at once (the metadata endpoint stays on), and
    /// the revocation is kept with the isolation's saved state so that release removes it.
    /// </summary>
    public static string? Conflict(IReadOnlyCollection<ContainmentAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        return actions.Contains(ContainmentAction.RevokeSessions) && !actions.Contains(ContainmentAction.Isolate)
            ? "revoke-sessions needs isolate: without it the instance fetches new credentials at once, and the revocation is kept with the isolation's saved state so that release removes it"
            : null;
    }
}
