using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>
/// An instance's Auto Scaling group and load-balancer target groups. An isolated instance fails its health checks,
/// and Auto Scaling would terminate it, evidence and all; so isolation takes it out of service first, and release can
/// put it back.
/// </summary>
public interface IFleetMembership
{
    /// <summary>The same operations, attributed to <paramref name="findingKey"/> (see <see cref="Ec2.IInstanceContainment.ForFinding"/>).</summary>
    IFleetMembership ForFinding(string findingKey);

    /// <summary>The instance's Auto Scaling group; null when it is in none.</summary>
    Task<AutoScalingMembership?> FindAutoScalingGroupAsync(InstanceReference instance, CancellationToken cancellationToken);

    /// <summary>The ELBv2 target groups the instance is registered in, with its port in each.</summary>
    Task<IReadOnlyList<TargetGroupMembership>> FindTargetGroupsAsync(InstanceReference instance, CancellationToken cancellationToken);

    /// <summary>
    /// Standby, or detached when Standby is refused; desired capacity is never decremented, so the group launches a
    /// replacement instead of terminating the instance. Returns which.
    /// </summary>
    Task<AutoScalingRemoval> TakeOutOfServiceAsync(InstanceReference instance, string groupName, CancellationToken cancellationToken);

    Task SetScaleInProtectionAsync(InstanceReference instance, string groupName, bool protect, CancellationToken cancellationToken);

    Task DeregisterAsync(InstanceReference instance, IReadOnlyList<TargetGroupMembership> targetGroups, CancellationToken cancellationToken);

    /// <summary>Out of Standby, back in service.</summary>
    Task ReturnToServiceAsync(InstanceReference instance, string groupName, CancellationToken cancellationToken);

    Task RegisterAsync(InstanceReference instance, IReadOnlyList<TargetGroupMembership> targetGroups, CancellationToken cancellationToken);
}
