namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>What isolation took the instance out of: saved with the state so release can put it back.</summary>
internal sealed record FleetRemoval(AutoScalingGroupState? Group, IReadOnlyList<TargetGroupMembership>? TargetGroups)
{
    public static FleetRemoval None { get; } = new(null, null);
}
