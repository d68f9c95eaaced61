using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment;

/// <summary>What to do to which instances, and for which finding.</summary>
/// <param name="FindingId">Recorded in tags and used for idempotency; an operator's CLI run without one uses <c>manual</c>.</param>
/// <param name="Actions">Applied in this order per instance, except that a snapshot is requested alongside isolation, not after it.</param>
/// <param name="DryRun">Every mutating EC2 call carries DryRun=true; nothing changes.</param>
public sealed record ContainmentRequest(
    string? FindingId,
    IReadOnlyList<InstanceReference> Instances,
    IReadOnlyList<ContainmentAction> Actions,
    bool DryRun)
{
    /// <summary>
    /// The finding each instance is contained for, when one request serves several findings (a custom action on a
    /// selection); instances not listed use <see cref="FindingId"/>.
    /// </summary>
    public IReadOnlyDictionary<InstanceReference, string>? FindingIdByInstance { get; init; }

    /// <summary>
    /// The account of the finding that names each instance. An instance in another account is refused before any call:
    /// a finding describes its own account's resources, and a finding imported in one account naming another account's
    /// instance is no authority to act there.
    /// </summary>
    public IReadOnlyDictionary<InstanceReference, string>? FindingAccountByInstance { get; init; }

    /// <summary>Release only: also put the instance back in its Auto Scaling group and target groups.</summary>
    public bool RestoreMembership { get; init; }

    /// <summary>Isolation adds network ACL deny entries (a playbook rule's <c>networkAcl</c>); null: <see cref="ContainmentOptions.DenyInNetworkAcls"/> decides.</summary>
    public bool? DenyInNetworkAcls { get; init; }

    /// <summary>
    /// Collect evidence before isolating, waiting at most this long for it (a playbook rule's <c>evidenceFirstSeconds</c>):
    /// the attacker keeps the network meanwhile. Null: isolation first.
    /// </summary>
    public TimeSpan? EvidenceFirst { get; init; }

    /// <summary>Asked for each instance after its lookup and before anything changes (<see cref="IClaimGate"/>); null: every instance may be changed.</summary>
    public IClaimGate? Claims { get; init; }

    /// <summary>
    /// Release only: the release comes from a finding (a Security Hub custom action), and is carried out only when that
    /// finding is the one the saved state records as isolating the instance; from any other finding — one imported
    /// with <c>BatchImportFindings</c> by a member account, say — it is refused and nothing changes. False for an
    /// operator's <c>release --instance</c>.
    /// </summary>
    public bool ReleaseOnlyForIsolatingFinding { get; init; }

    /// <summary>
    /// The terminated-instance path: act only on an instance EC2 itself says is terminated, or no longer knows; an
    /// event saying so of a running one is no authority. Any other instance is refused before any change (<see cref="NotTerminated"/>).
    /// </summary>
    public bool OnlyIfTerminated { get; init; }

    /// <summary>The error code of a step refused under <see cref="OnlyIfTerminated"/>: EC2 says the instance is not terminated.</summary>
    public const string NotTerminated = "NotTerminated";

    /// <summary>The error code of a release refused under <see cref="ReleaseOnlyForIsolatingFinding"/>.</summary>
    public const string NotTheIsolatingFinding = "NotTheIsolatingFinding";

    /// <summary>
    /// When EC2 calls stop (a function's timeout less a margin): what is not done by then is reported per step as not
    /// reached in time, and the report fails so Lambda's retry resumes. Null: no deadline (an operator's CLI run).
    /// </summary>
    public ResponseDeadline? Deadline { get; init; }
}
