using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>
/// The instance's fleet membership as described before isolation, each half with its own failure: one failing never
/// hides the other, and neither blocks isolation.
/// </summary>
internal sealed record FleetView(
    IFleetMembership Fleet,
    AutoScalingMembership? Group,
    AwsOperationException? GroupError,
    IReadOnlyList<TargetGroupMembership> TargetGroups,
    AwsOperationException? TargetGroupsError)
{
    /// <summary>Never faults (other than by cancellation), since nobody awaits it when isolation is skipped.</summary>
    public static async Task<FleetView> DescribeAsync(IFleetMembership fleet, InstanceReference instance, CancellationToken cancellationToken)
    {
        var group = Capture(fleet.FindAutoScalingGroupAsync(instance, cancellationToken), "DescribeAutoScalingInstances");
        var targets = Capture(fleet.FindTargetGroupsAsync(instance, cancellationToken), "DescribeTargetHealth");
        var (g, gError) = await group;
        var (t, tError) = await targets;
        return new FleetView(fleet, g, gError, t ?? [], tError);
    }

    private static async Task<(T? Value, AwsOperationException? Error)> Capture<T>(Task<T> task, string operation)
    {
        try
        {
            return (await task, null);
        }
        catch (AwsOperationException e)
        {
            return (default, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (default, new AwsOperationException(operation, "InternalError", e.Message, e));
        }
    }
}
