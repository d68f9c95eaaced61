using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Release;

/// <summary>
/// Release's way back into service, on request only (<see cref="InstanceContext.RestoreMembership"/>): out of Standby,
/// scale-in protection as it was, registered again in its target groups. Auto Scaling and ELBv2 have no DryRun.
/// </summary>
internal sealed class MembershipRestore(IFleetMembership? fleet)
{
    private const ContainmentAction Release = ContainmentAction.Release;

    public static bool HasMembership(PreIsolationState state) => state.AutoScalingGroup is not null || state.TargetGroups is { Count: > 0 };

    /// <summary>
    /// Back in service only when asked: a released instance may still be under investigation, and a load balancer
    /// would send it traffic at once.
    /// </summary>
    public async Task<bool> RestoreAsync(InstanceContext context, PreIsolationState state, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var group = state.AutoScalingGroup;
        var targets = state.TargetGroups ?? [];
        if (group is null && targets.Count == 0)
        {
            return true;
        }

        var id = context.Instance.InstanceId.ToString();
        if (!context.RestoreMembership)
        {
            var how = new List<string>();
            if (group is { Removal: AutoScalingRemoval.Standby })
            {
                how.Add($"aws autoscaling exit-standby --auto-scaling-group-name {group.Name} --instance-ids {id}");
            }
            else if (group is not null)
            {
                how.Add($"aws autoscaling attach-instances --auto-scaling-group-name {group.Name} --instance-ids {id}");
            }

            how.AddRange(targets.Select(t => $"aws elbv2 register-targets --target-group-arn {t.TargetGroupArn} --targets Id={id},Port={t.Port}"));
            log.Skip(Release, StepName.RestoreMembership, null,
                $"membership left out of service (release --restore-membership, or RELEASE_RESTORES_MEMBERSHIP=true for the function, puts it back); to restore it now: {string.Join("; ", how)}");
            return true;
        }

        if (fleet is null)
        {
            log.Fail(Release, StepName.RestoreMembership, null, "no Auto Scaling / ELBv2 client configured; membership not restored");
            return false;
        }

        var ok = true;
        if (group is { Removal: AutoScalingRemoval.Detached })
        {
            log.Skip(Release, StepName.RestoreAutoScaling, group.Name,
                $"it was detached, not put in Standby; attach it again if wanted: aws autoscaling attach-instances --auto-scaling-group-name {group.Name} --instance-ids {id}");
        }
        else if (group is not null)
        {
            ok &= await RunOrRecordAsync(context, StepName.RestoreAutoScaling, group.Name, "would exit Standby", async () =>
            {
                await fleet.ReturnToServiceAsync(context.Instance, group.Name, cancellationToken);
                return "exited Standby: InService again";
            });
            if (!group.WasProtected)
            {
                ok &= await RunOrRecordAsync(context, StepName.RestoreScaleInProtection, group.Name, "would turn scale-in protection off", async () =>
                {
                    await fleet.SetScaleInProtectionAsync(context.Instance, group.Name, false, cancellationToken);
                    return "off, as before isolation";
                });
            }
        }

        if (targets.Count > 0)
        {
            ok &= await RunOrRecordAsync(context, StepName.RestoreLoadBalancers, string.Join(',', targets.Select(t => t.TargetGroupArn)), "would register it again", async () =>
            {
                await fleet.RegisterAsync(context.Instance, targets, cancellationToken);
                return $"registered again: {string.Join(", ", targets.Select(t => $"port {t.Port}"))}";
            });
        }

        return ok;
    }

    /// <summary>Auto Scaling and ELBv2 have no DryRun: a dry run only says what it would do.</summary>
    private static Task<bool> RunOrRecordAsync(InstanceContext context, StepName step, string target, string wouldDo, Func<Task<string?>> body)
    {
        if (context.DryRun)
        {
            context.Log.Record(new StepResult(Release, step, target, StepOutcome.DryRun, $"{wouldDo}; not checked, the service has no DryRun", null, 0));
            return Task.FromResult(true);
        }

        return context.Log.RunAsync(Release, step, target, dryRun: false, body);
    }
}
