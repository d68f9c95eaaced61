using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Containment.Isolation;

/// <summary>
/// Where an ENI stands against the groups ThreatResponse recorded and the state it saved: its own groups, whether it is
/// mid-isolation or isolated before. Only the ledger's record makes a group ours; without a ledger, names are all there is.
/// </summary>
internal static class EniMembership
{
    /// <summary>The groups an ENI had before isolation: saved, or those it is in unless they are quarantine groups; null when unknown.</summary>
    public static IReadOnlyList<string>? OwnGroups(NetworkInterfaceState eni, PreIsolationState? saved, IReadOnlyList<RecordedQuarantineGroup> ours, bool byName) =>
        saved?.GroupsByNetworkInterface.TryGetValue(eni.NetworkInterfaceId, out var own) == true ? own
        : InQuarantineGroup(eni, ours, byName) ? null
        : eni.GroupIds;

    /// <summary>
    /// In a group the ledger records as ours; without a ledger (<paramref name="byName"/>), in a group named as ours. The
    /// name only decides which saved state to keep (the tag-kept state is the instance's to rewrite anyway), never which
    /// group to use; with a ledger a name would let anyone make a fresh isolation look like a resumed one.
    /// </summary>
    public static bool InQuarantineGroup(NetworkInterfaceState eni, IReadOnlyList<RecordedQuarantineGroup> ours, bool byName) =>
        eni.GroupIds.Any(id => ours.Any(g => g.GroupId == id))
        || (byName && eni.GroupNames.Any(n => n.StartsWith(QuarantineGroupResolver.NamePrefix, StringComparison.Ordinal)));

    public static bool InRecordedIsolationGroupOnly(NetworkInterfaceState eni, IReadOnlyList<RecordedQuarantineGroup> ours) =>
        eni.GroupIds.Count == 1 && ours.Any(g => g.GroupId == eni.GroupIds[0] && g.VpcId == eni.VpcId && g.Role == QuarantineGroupRole.Isolation);

    /// <summary>
    /// The ledger says ThreatResponse isolated this ENI: the state in force came from the ledger (not captured now) and
    /// holds the ENI. Only then may an ENI found in the isolation group skip the conversion step.
    /// </summary>
    public static bool IsolatedBefore(NetworkInterfaceState eni, PreIsolationState? saved, IsolationStateKeeper keeper) =>
        saved is { IsReleased: false } && keeper.LoadedFromStore(saved)
        && saved.GroupsByNetworkInterface.ContainsKey(eni.NetworkInterfaceId);
}
