using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.State;

/// <summary>What isolation changes, saved before it changes it, so release restores it exactly.</summary>
/// <param name="GroupsByNetworkInterface">Security groups per ENI id.</param>
/// <param name="ProfileArn">The instance profile that was associated; null when none was.</param>
/// <param name="FindingId">The finding the isolation was for.</param>
public sealed record PreIsolationState(
    IReadOnlyDictionary<string, IReadOnlyList<string>> GroupsByNetworkInterface,
    string? ProfileArn,
    MetadataOptionsState MetadataOptions,
    bool TerminationProtection,
    string ShutdownBehavior,
    string FindingId,
    DateTimeOffset SavedAt)
{
    /// <summary>The Auto Scaling group isolation took the instance out of; null when none.</summary>
    public AutoScalingGroupState? AutoScalingGroup { get; init; }

    /// <summary>The target groups isolation deregistered the instance from; null when none.</summary>
    public IReadOnlyList<TargetGroupMembership>? TargetGroups { get; init; }

    /// <summary>Connection-tracking timeouts per ENI id before isolation lowered them; null in states saved before they were kept.</summary>
    public IReadOnlyDictionary<string, ConnectionTrackingState>? TrackingByNetworkInterface { get; init; }

    /// <summary>The network ACL deny entries isolation added; release removes exactly these.</summary>
    public IReadOnlyList<NetworkAclDenyEntry>? AclEntries { get; init; }

    /// <summary>The revocation of the instance role's sessions (<c>revoke-sessions</c>); release removes exactly it. Null when none.</summary>
    public RevokedSessions? RevokedSessions { get; init; }

    /// <summary>
    /// When a release found <see cref="RevokedSessions"/> ended (deleted once the credentials it denies had expired, or
    /// gone or replaced since); null while it is still to be removed. Release keeps it past the release itself.
    /// </summary>
    public DateTimeOffset? RevokedSessionsEndedAt { get; init; }

    /// <summary>A revocation this state recorded is still in force, for a later release (or cleanup) to remove once it may.</summary>
    public bool RevocationPending => RevokedSessions is not null && RevokedSessionsEndedAt is null;

    /// <summary>
    /// When release restored the instance from this state; null while the isolation is in force. A released state is
    /// kept, not deleted: it is the record of the isolation, and <c>release --restore-membership</c> later needs it.
    /// </summary>
    public DateTimeOffset? ReleasedAt { get; init; }

    /// <summary>When the Auto Scaling and target group membership was put back; null while it is left out of service.</summary>
    public DateTimeOffset? MembershipRestoredAt { get; init; }

    /// <summary>The isolation is over: nothing in this state is to be restored again (membership aside, on request).</summary>
    public bool IsReleased => ReleasedAt is not null;

    public static PreIsolationState Capture(InstanceDescription instance, string findingId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new PreIsolationState(
            instance.NetworkInterfaces.ToDictionary(n => n.NetworkInterfaceId, n => n.GroupIds, StringComparer.Ordinal),
            instance.ProfileAssociation?.ProfileArn,
            instance.MetadataOptions,
            instance.TerminationProtection,
            instance.ShutdownBehavior,
            findingId,
            now)
        {
            TrackingByNetworkInterface = instance.NetworkInterfaces.ToDictionary(n => n.NetworkInterfaceId, n => n.Tracking, StringComparer.Ordinal),
        };
    }
}
