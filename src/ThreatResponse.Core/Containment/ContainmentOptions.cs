using ThreatResponse.Core.Containment.Evidence;

namespace ThreatResponse.Core.Containment;

/// <summary>Safety settings of the containment engine; read from the environment by <see cref="Settings.DeploymentSettings"/>.</summary>
public sealed record ContainmentOptions
{
    /// <summary>Instances with this tag set to <c>true</c> are never touched. <c>EXEMPT_TAG_KEY</c>; default <c>ThreatResponse:Exempt</c>.</summary>
    public string ExemptTagKey { get; init; } = Settings.SettingsTable.ExemptTagKey.DefaultValue;

    /// <summary>
    /// The prefix every exemption key must have: templates/protect-tags-scp.json lets only ThreatResponse's roles write
    /// tags under it, so an exemption under another key could be set by anyone allowed <c>ec2:CreateTags</c> on the
    /// instance (often the instance's own role). template.yaml's <c>ExemptTagKey</c> pattern says the same.
    /// </summary>
    public const string ProtectedTagPrefix = "ThreatResponse:";

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
    public bool DenyInNetworkAcls { get; init; } = Settings.SettingsTable.NetworkAclDeny.DefaultValue;

    /// <summary>
    /// Entries an ACL may hold per direction, besides the default one: EC2's quota (20 by default, adjustable to 40).
    /// <c>NETWORK_ACL_RULE_QUOTA</c> when the account's quota was raised.
    /// </summary>
    public int NetworkAclRuleQuota { get; init; } = Settings.SettingsTable.NetworkAclRuleQuota.DefaultValue;

    /// <summary>
    /// <c>revoke-sessions</c> may write on instance roles. Off by default (<c>REVOKE_SESSIONS=true</c> turns it on; the
    /// template sets it from <c>EnableRevokeSessions</c>, which also grants the IAM permissions): writing role policies
    /// is itself an escalation path, so a deployment opts in. Off, the action is skipped and says so.
    /// </summary>
    public bool RevokeSessions { get; init; }

    /// <summary>
    /// The role ThreatResponse assumes in member accounts (<c>MEMBER_ROLE_NAME</c>; default <c>ThreatResponseMember</c>):
    /// <c>revoke-sessions</c> never writes on it, nor on a role under <see cref="FunctionRolePathPrefix"/>.
    /// </summary>
    public string MemberRoleName { get; init; } = Settings.SettingsTable.MemberRoleName.DefaultValue!;

    /// <summary>
    /// How long release keeps a <c>revoke-sessions</c> policy after its cut-off: the longest credentials issued before
    /// it can stay valid (<see cref="Credentials.SessionRevocationPolicy.MaxCredentialLifetime"/>, 12 hours). Deleting it
    /// earlier would make stolen credentials work again until they expire.
    /// </summary>
    public TimeSpan RevokedCredentialLifetime { get; init; } = Credentials.SessionRevocationPolicy.MaxCredentialLifetime;

    /// <summary>The path of every function role of a ThreatResponse stack (<c>/threat-response/&lt;stack&gt;/</c> in template.yaml).</summary>
    public const string FunctionRolePathPrefix = "/threat-response/";

    /// <summary>Where and how <see cref="ContainmentAction.Collect"/> collects; its bucket is null when the deployment has none.</summary>
    public EvidenceOptions Evidence { get; init; } = new();
}
