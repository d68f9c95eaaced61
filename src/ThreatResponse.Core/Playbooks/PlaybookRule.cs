using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Core.Playbooks;

/// <summary>One rule: when it matches, what to do (containment actions in order; none means notify only).</summary>
/// <param name="Mode">Overrides <c>AUTO_RESPONSE_MODE</c> for this rule, except that <c>off</c> everywhere stays off.</param>
public sealed record PlaybookRule(string Name, RuleMatch Match, IReadOnlyList<ContainmentAction> Actions, ResponseMode? Mode)
{
    /// <summary><c>networkAcl: false</c> on an isolating rule: no network ACL entries for its instances (overrides <c>NETWORK_ACL_DENY</c>); null: the setting decides.</summary>
    public bool? NetworkAcl { get; init; }

    /// <summary><c>evidenceFirstSeconds</c> (1–300): collect before isolating, waiting at most this long; null: isolation first.</summary>
    public int? EvidenceFirstSeconds { get; init; }

    /// <summary>
    /// <c>moreSevereOverridesRelease: true</c>: an update of a finding more severe than it was when an analyst released
    /// the instance is contained all the same. Off by default: an analyst's release stands.
    /// </summary>
    public bool MoreSevereOverridesRelease { get; init; }
}
