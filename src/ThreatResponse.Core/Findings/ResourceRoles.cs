namespace ThreatResponse.Core.Findings;

/// <summary>Parses GuardDuty's resource role text.</summary>
public static class ResourceRoles
{
    /// <summary>ACTOR or TARGET in any letter case; null for anything else.</summary>
    public static ResourceRole? TryParse(string text) =>
        text.Equals("ACTOR", StringComparison.OrdinalIgnoreCase) ? ResourceRole.Actor
        : text.Equals("TARGET", StringComparison.OrdinalIgnoreCase) ? ResourceRole.Target
        : null;
}
