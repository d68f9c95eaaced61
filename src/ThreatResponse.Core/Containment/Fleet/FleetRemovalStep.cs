using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>
/// Takes an instance being isolated out of service: Standby (or detached) in its Auto Scaling group with scale-in
/// protection, and deregistered from its ELBv2 target groups, from the view described alongside the lookup. Part of
/// <see cref="Isolation.IsolateStep"/>, which waits for it before the isolation group.
/// </summary>
internal sealed class FleetRemovalStep(Task<FleetView>? fleetView)
{
    private const ContainmentAction Isolate = ContainmentAction.Isolate;

    /// <summary>
    /// Standby (or detached), protected from scale-in, and deregistered from its target groups, all at once. A failure
    /// is a failed step; isolation goes ahead regardless.
    /// </summary>
    public async Task<FleetRemoval> RemoveAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        if (fleetView is null)
        {
            return FleetRemoval.None;
        }

        var view = await fleetView;
        var group = TakeOutOfGroupAsync(context, view, cancellationToken);
        var targets = DeregisterAsync(context, view, cancellationToken);
        return new FleetRemoval(await group, await targets);
    }

    private static async Task<AutoScalingGroupState?> TakeOutOfGroupAsync(InstanceContext context, FleetView view, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (view.GroupError is { } error)
        {
            log.Fail(Isolate, StepName.AutoScaling, null, $"{error.Message}. Isolating anyway; the group may terminate the instance once it fails its health checks", error.ErrorCode);
            return null;
        }

        if (view.Group is not { } group)
        {
            log.Skip(Isolate, StepName.AutoScaling, null, "not in an Auto Scaling group");
            return null;
        }

        if (group.LifecycleState != "InService")
        {
            log.Skip(Isolate, StepName.AutoScaling, group.GroupName, $"{group.LifecycleState}, not InService; left as it is");
            return null;
        }

        if (context.DryRun)
        {
            log.Record(new StepResult(Isolate, StepName.AutoScaling, group.GroupName, StepOutcome.DryRun,
                "would put it in Standby (or detach it) without decrementing desired capacity, and protect it from scale-in; Auto Scaling has no DryRun, so it was not checked", null, 0));
            return null;
        }

        // Protection alongside Standby: one round trip, not two, before the isolation group.
        var protection = group.ProtectedFromScaleIn
            ? Task.FromResult<AwsOperationException?>(null)
            : Attempt(() => view.Fleet.SetScaleInProtectionAsync(context.Instance, group.GroupName, true, cancellationToken));
        var removal = AutoScalingRemoval.Standby;
        var removed = await log.RunAsync(Isolate, StepName.AutoScaling, group.GroupName, dryRun: false, StepLog.Noted("Isolating anyway; the group may terminate the instance once it fails its health checks", async () =>
        {
            removal = await view.Fleet.TakeOutOfServiceAsync(context.Instance, group.GroupName, cancellationToken);
            return removal == AutoScalingRemoval.Standby
                ? "standby: desired capacity kept, so the group launches a replacement and never terminates this one"
                : "detached (Standby was refused): desired capacity kept, so the group launches a replacement";
        }));

        var protectionError = await protection;
        if (group.ProtectedFromScaleIn)
        {
            log.Skip(Isolate, StepName.ScaleInProtection, group.GroupName, "already on");
        }
        else if (removed && removal == AutoScalingRemoval.Detached)
        {
            log.Skip(Isolate, StepName.ScaleInProtection, group.GroupName, "detached: no longer in the group");
        }
        else if (protectionError is null)
        {
            log.Record(new StepResult(Isolate, StepName.ScaleInProtection, group.GroupName, StepOutcome.Succeeded, "on", null, 0));
        }
        else
        {
            log.Fail(Isolate, StepName.ScaleInProtection, group.GroupName, protectionError.Message, protectionError.ErrorCode);
        }

        return removed ? new AutoScalingGroupState(group.GroupName, removal, group.ProtectedFromScaleIn) : null;
    }

    private static async Task<IReadOnlyList<TargetGroupMembership>?> DeregisterAsync(InstanceContext context, FleetView view, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (view.TargetGroupsError is { } error)
        {
            log.Fail(Isolate, StepName.LoadBalancers, null, $"{error.Message}. Isolating anyway", error.ErrorCode);
            return null;
        }

        if (view.TargetGroups.Count == 0)
        {
            log.Skip(Isolate, StepName.LoadBalancers, null, "not registered in any ELBv2 target group");
            return null;
        }

        var arns = string.Join(',', view.TargetGroups.Select(t => t.TargetGroupArn));
        if (context.DryRun)
        {
            log.Record(new StepResult(Isolate, StepName.LoadBalancers, arns, StepOutcome.DryRun,
                "would deregister it; ELBv2 has no DryRun, so it was not checked", null, 0));
            return null;
        }

        var deregistered = await log.RunAsync(Isolate, StepName.LoadBalancers, arns, dryRun: false, StepLog.Noted("Isolating anyway", async () =>
        {
            await view.Fleet.DeregisterAsync(context.Instance, view.TargetGroups, cancellationToken);
            return $"deregistered from {view.TargetGroups.Count} target group(s): {string.Join(", ", view.TargetGroups.Select(t => $"port {t.Port}"))}";
        }));
        return deregistered ? view.TargetGroups : null;
    }

    /// <summary>
    /// Deregistration ran alongside Standby, and Auto Scaling may register its instances again while it changes the
    /// group (moto does, for the replacement it launches). Once more, after Standby; off the critical path.
    /// </summary>
    public async Task DeregisterAgainAfterStandbyAsync(InstanceContext context, Task<FleetRemoval> fleet, CancellationToken cancellationToken)
    {
        var removal = await fleet;
        if (fleetView is null || removal is not { Group.Removal: AutoScalingRemoval.Standby, TargetGroups: { Count: > 0 } targets })
        {
            return;
        }

        var view = await fleetView;
        await context.Log.RunAsync(Isolate, StepName.LoadBalancersAfterStandby, string.Join(',', targets.Select(t => t.TargetGroupArn)), dryRun: false, async () =>
        {
            await view.Fleet.DeregisterAsync(context.Instance, targets, cancellationToken);
            return "deregistered again, in case entering Standby registered it back";
        });
    }

    private static async Task<AwsOperationException?> Attempt(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (AwsOperationException e)
        {
            return e;
        }
    }
}
