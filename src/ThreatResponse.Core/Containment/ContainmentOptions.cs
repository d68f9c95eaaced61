namespace ThreatResponse.Core.Containment;

/// <summary>Safety settings of the containment engine, bound from the function's environment.</summary>
public sealed record ContainmentOptions
{
    /// <summary>Instances with this tag set to <c>true</c> are never touched. <c>EXEMPT_TAG_KEY</c>; default <c>ThreatResponse:Exempt</c>.</summary>
    public string ExemptTagKey { get; init; } = "ThreatResponse:Exempt";

    /// <summary>Accounts the engine may act in; empty means any. <c>ALLOWED_ACCOUNTS</c>, comma-separated. Checked before any AWS call.</summary>
    public IReadOnlySet<string> AllowedAccounts { get; init; } = new HashSet<string>();

    /// <summary>
    /// Instances on their isolation path at once; the rest of an instance's work (tags, snapshots, stop) goes on beside
    /// the next instances. Default 8: an isolation makes up to 3 ModifyNetworkInterfaceAttribute calls per ENI, and
    /// EC2's bucket for that action holds 100 with 5 refilled per second.
    /// </summary>
    public int MaxConcurrentInstances { get; init; } = 8;

    /// <summary>
    /// Every release also puts the instance back in its Auto Scaling group and target groups, as if the request asked
    /// for it. <c>RELEASE_RESTORES_MEMBERSHIP=true</c>; default off: the Release custom action leaves it out of service.
    /// </summary>
    public bool ReleaseRestoresMembership { get; init; }

    /// <summary>
    /// Isolation also adds network ACL deny entries for the instance's addresses, which end flows that security groups
    /// cannot (tracked ones). <c>NETWORK_ACL_DENY=false</c> turns it off for teams that forbid ACL changes; default on.
    /// </summary>
    public bool DenyInNetworkAcls { get; init; } = true;

    /// <summary>
    /// Entries an ACL may hold per direction, besides the default one: EC2's quota (20 by default, adjustable to 40).
    /// <c>NETWORK_ACL_RULE_QUOTA</c> when the account's quota was raised.
    /// </summary>
    public int NetworkAclRuleQuota { get; init; } = 20;

    /// <summary>Reads <c>EXEMPT_TAG_KEY</c>, <c>ALLOWED_ACCOUNTS</c>, <c>RELEASE_RESTORES_MEMBERSHIP</c>, <c>NETWORK_ACL_DENY</c> and <c>NETWORK_ACL_RULE_QUOTA</c> from <paramref name="environment"/>.</summary>
    public static ContainmentOptions FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = new ContainmentOptions();
        if (environment("EXEMPT_TAG_KEY")?.Trim() is { Length: > 0 } exemptTagKey)
        {
            options = options with { ExemptTagKey = exemptTagKey };
        }

        var allowed = (environment("ALLOWED_ACCOUNTS") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return options with
        {
            AllowedAccounts = allowed.ToHashSet(StringComparer.Ordinal),
            ReleaseRestoresMembership = string.Equals(environment("RELEASE_RESTORES_MEMBERSHIP")?.Trim(), "true", StringComparison.OrdinalIgnoreCase),
            DenyInNetworkAcls = !string.Equals(environment("NETWORK_ACL_DENY")?.Trim(), "false", StringComparison.OrdinalIgnoreCase),
            NetworkAclRuleQuota = int.TryParse(environment("NETWORK_ACL_RULE_QUOTA"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var quota) && quota is >= 20 and <= 40 ? quota : 20,
        };
    }
}
