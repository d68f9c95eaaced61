using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.Isolation;

/// <summary>
/// Isolates one instance. Nothing changes before its pre-isolation state is saved; then each ENI goes through the
/// all-open conversion group straight into the isolation group, and deny entries go into the VPC's network ACLs. The
/// critical path: lookup (1), state saved (2), conversion group (3), isolation group (4) — plus two when the VPC's
/// groups must first be created and given their rules. Taking the instance out of its Auto Scaling group and target
/// groups (<see cref="FleetRemovalStep"/>) runs alongside, never between the two group changes: an isolated instance
/// fails its load balancer's health checks only after several intervals, and Standby is asked for at the same moment.
/// Revoking the role's sessions, when asked (<see cref="RevokeSessionsStep"/>), runs alongside too, from the profile
/// the lookup saw — independent of its disassociation — and is kept with the state.
/// Termination protection, shutdown behaviour and the status tags are off the isolation path: when EC2 request tokens
/// are scarce they wait until every instance of the request was served (<see cref="ContainmentFirstGate"/>), and the
/// isolation group after the conversion group jumps the queue (<see cref="CallPriority.Urgent"/>).
/// With a <see cref="ForensicWindow"/> (evidence is collected after isolation), each ENI also gets the VPC's forensic
/// group and the credentials are swapped rather than cut, until the window closes.
/// </summary>
/// <param name="alongside">What runs with isolation when asked: fleet removal, the revocation of sessions, a forensic window.</param>
internal sealed class IsolateStep(IInstanceContainment ec2, IIsolationStateStore? stateStore, ContainmentRun run, IsolationAlongside alongside)
{
    private readonly QuarantineGroupResolver groups = run.Groups;
    private readonly ContainmentOptions options = run.Options;
    private readonly SharedNetworkAcls acls = run.Acls;
    private readonly RevokeSessionsStep? revokeSessions = alongside.RevokeSessions;
    private readonly ForensicWindow? forensic = alongside.Forensic;
    private readonly FleetRemovalStep _fleetRemoval = new(alongside.FleetView);

    /// <summary>For the calls that must follow one already made: they go first, and past the deadline by its grace.</summary>
    private readonly IInstanceContainment _urgent = ec2.WithPriority(CallPriority.Urgent);

    /// <summary>For the calls off the isolation path.</summary>
    private readonly IInstanceContainment _deferred = ec2.WithPriority(CallPriority.Deferred);

    private const ContainmentAction Isolate = ContainmentAction.Isolate;

    public async Task RunAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var log = context.Log;
        if (description.NetworkInterfaces.Count == 0)
        {
            log.Fail(Isolate, StepName.Isolate, null, "the instance has no network interface to isolate");
            return;
        }

        var scope = AwsScope.Of(context.Instance);
        var vpcGroups = description.NetworkInterfaces.Select(n => n.VpcId).Distinct(StringComparer.Ordinal)
            .ToDictionary(vpc => vpc, vpc => groups.GetAsync(scope, vpc), StringComparer.Ordinal);
        var aclStep = new NetworkAclStep(ec2, options, acls);
        var aclView = aclStep.DescribeAsync(context, cancellationToken);

        // The recorded groups came back with the lookup. An ENI already in one is mid-isolation (an earlier attempt
        // died): what it is in now is not the instance's own state, so the state saved by that attempt is kept.
        var ours = await groups.RecordedAsync(scope);
        var resuming = description.NetworkInterfaces.Any(n => EniMembership.InQuarantineGroup(n, ours, byName: !groups.HasRecord));
        var keeper = new IsolationStateKeeper(ec2, stateStore, context);

        // Already isolated only as the ledger says: every ENI in exactly the VPC's recorded isolation group. A tag or a
        // name proves nothing (a group of the attacker's tagged "isolation" would skip the conversion step and leave
        // the attacker's tracked connections alive); without a ledger the whole path runs again.
        var isolatedAlready = keeper.IsAuthoritative && description.NetworkInterfaces.All(n => EniMembership.InRecordedIsolationGroupOnly(n, ours));
        var saved = await IsolationStateSteps.SaveAsync(context, keeper, resuming, isolatedAlready, cancellationToken);

        var fleet = _fleetRemoval.RemoveAsync(context, cancellationToken);
        var revoked = revokeSessions is null ? Task.FromResult<RevokedSessions?>(null) : revokeSessions.RunAsync(context, saved, keeper.IsAuthoritative, cancellationToken);
        var interfaces = Task.WhenAll(description.NetworkInterfaces.Select(eni => IsolateInterfaceAsync(
            context, eni, vpcGroups[eni.VpcId], (EniMembership.OwnGroups(eni, saved, ours, byName: !groups.HasRecord), EniMembership.IsolatedBefore(eni, saved, keeper)), cancellationToken)));
        var protect = ProtectAsync(context, cancellationToken);
        try
        {
            var work = new List<Task>
            {
                _fleetRemoval.DeregisterAgainAfterStandbyAsync(context, fleet, cancellationToken),
                forensic is null ? new CredentialCut(ec2).RunAsync(context, cancellationToken) : forensic.OpenCredentialsAsync(alreadyCut: false, cancellationToken),
                interfaces,
                revoked,
            };

            // Deny entries once every ENI is in its isolation group, so the ACLs never hold entries for an open instance.
            var entries = DenyAfterAsync(interfaces, aclStep, context, aclView, cancellationToken);
            work.Add(entries);
            await Task.WhenAll(work);

            // Part of the isolation path: without its ACL entries in the saved state, release would leave them behind.
            await Task.WhenAll(
                IsolationStateSteps.SaveOutcomeAsync(context, keeper, saved, new IsolationOutcome(await fleet, await entries, await revoked), cancellationToken),
                IsolationStateSteps.KeepSupersededAsync(context, keeper, cancellationToken));
        }
        finally
        {
            context.ContainmentServed();
        }

        await protect;

        // For people reading the console: never read back (the ledger, or the ENIs' groups, say what is isolated).
        if (log.Steps.Where(s => s.Action == Isolate).All(s => s.Outcome == StepOutcome.Skipped))
        {
            return;
        }

        if (log.Steps.Any(s => s.Action == Isolate && s.Outcome == StepOutcome.Failed && s.Step != StepName.SaveState && s.Step != StepName.SaveStateOutcome))
        {
            log.Skip(Isolate, StepName.Tag, null, $"not tagged {QuarantineTags.StatusIsolated}: a step failed, so isolating again redoes it");
            return;
        }

        await context.RunDeferredAsync(Isolate, StepName.Tag, null, async () =>
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [QuarantineTags.Status] = QuarantineTags.StatusIsolated,
                [QuarantineTags.FindingId] = context.FindingKey,
                [QuarantineTags.IsolatedAt] = context.NowText,
            };
            await _deferred.SetTagsAsync(context.Instance, tags, context.DryRun, cancellationToken);
            return $"{QuarantineTags.Status}=isolated, {QuarantineTags.FindingId}, {QuarantineTags.IsolatedAt}={context.NowText}";
        }, cancellationToken);
    }

    private static async Task<IReadOnlyList<NetworkAclDenyEntry>> DenyAfterAsync(
        Task interfaces, NetworkAclStep acls, InstanceContext context, Task<NetworkAclView> aclView, CancellationToken cancellationToken)
    {
        await interfaces;
        return await acls.DenyAsync(context, await aclView, cancellationToken);
    }

    private async Task ProtectAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var log = context.Log;
        var protection = description.TerminationProtection
            ? Skipped(StepName.TerminationProtection, "already on")
            : context.RunDeferredAsync(Isolate, StepName.TerminationProtection, null, async () =>
            {
                await _deferred.SetTerminationProtectionAsync(context.Instance, true, context.DryRun, cancellationToken);
                context.TerminationProtectionOn = !context.DryRun;
                return "on";
            }, cancellationToken);

        var shutdown = description.ShutdownKeepsInstance
            ? Skipped(StepName.ShutdownBehavior, "already stop")
            : context.RunDeferredAsync(Isolate, StepName.ShutdownBehavior, null, async () =>
            {
                await _deferred.SetShutdownBehaviorAsync(context.Instance, InstanceDescription.ShutdownStops, context.DryRun, cancellationToken);
                return $"{description.ShutdownBehavior} -> stop";
            }, cancellationToken);

        await Task.WhenAll(protection, shutdown);

        Task<bool> Skipped(StepName step, string reason)
        {
            log.Skip(Isolate, step, null, reason);
            return Task.FromResult(true);
        }
    }

    /// <summary>
    /// Timeouts to the minimum and the all-open conversion group together, then at once the empty isolation group. The
    /// conversion group turns tracked flows into untracked ones, which the isolation group then cuts; the ENI spends
    /// one round trip in it.
    /// </summary>
    private async Task IsolateInterfaceAsync(
        InstanceContext context, NetworkInterfaceState eni, Task<VpcQuarantineGroups> vpcGroupsTask, (IReadOnlyList<string>? OwnGroups, bool IsolatedBefore) saved, CancellationToken cancellationToken)
    {
        var (ownGroups, isolatedBefore) = saved;
        var log = context.Log;
        var id = eni.NetworkInterfaceId;
        var vpcGroups = await vpcGroupsTask;
        if (isolatedBefore && vpcGroups.IsolationGroupId is { } isolationId && eni.GroupIds.Count == 1 && eni.GroupIds[0] == isolationId)
        {
            // Isolated by ThreatResponse (the ledger says so) and only in the recorded isolation group: must not pass
            // through the all-open group again.
            log.Skip(Isolate, StepName.IsolationGroup, id, $"already only in {isolationId} (recorded isolation group; the ledger records this isolation)");
            if (forensic is not null)
            {
                await forensic.OpenOnIsolatedEniAsync(eni, isolationId, cancellationToken);
            }

            return;
        }

        log.Record(vpcGroups.Step with { Target = $"{eni.VpcId} ({id})" });
        if (vpcGroups.Step.Outcome == StepOutcome.Failed && vpcGroups.IsolationGroupId is null)
        {
            log.Fail(Isolate, StepName.IsolationGroup, id, "the VPC's isolation group is not available; the ENI keeps its groups");
            return;
        }

        // No conversion group to be had (it could not be made ready): straight into the isolation group once the
        // timeouts are at the minimum. Tracked flows then outlive the change until they time out, which is still far
        // better than no isolation at all.
        var withoutConversion = vpcGroups.ConversionGroupId is null && vpcGroups.IsolationGroupId is not null && !context.DryRun;

        // In a dry run before the groups exist, the ENI's own groups stand in: the check is of permission to modify it.
        var conversionGroups = vpcGroups.ConversionGroupId is { } c ? [c] : eni.GroupIds;
        // Asked before the conversion group, never between it and the isolation group: the all-open time stays one round trip.
        var forensicGroup = forensic is null || vpcGroups.IsolationGroupId is null || withoutConversion ? null : await forensic.GroupForAsync(eni);
        var isolationGroups = vpcGroups.IsolationGroupId is not { } i ? eni.GroupIds : forensicGroup is null ? [i] : [i, forensicGroup];

        var tracking = eni.Tracking == ConnectionTrackingState.Minimum
            ? Skipped(log, id)
            : log.RunAsync(Isolate, StepName.ConnectionTracking, id, context.DryRun, async () =>
            {
                await ec2.SetConnectionTrackingAsync(context.Instance, id, ConnectionTrackingState.Minimum, context.DryRun, cancellationToken);
                return $"{eni.Tracking} -> {ConnectionTrackingState.Minimum}";
            });
        if (withoutConversion)
        {
            await tracking;
        }

        var conversion = !withoutConversion && await log.RunAsync(Isolate, StepName.ConversionGroup, id, context.DryRun, async () =>
        {
            await ec2.SetNetworkInterfaceGroupsAsync(context.Instance, id, conversionGroups, context.DryRun, cancellationToken);
            return $"{string.Join(',', eni.GroupIds)} -> {string.Join(',', conversionGroups)}";
        });

        var isolated = await log.RunAsync(Isolate, StepName.IsolationGroup, id, context.DryRun, async () =>
        {
            await (conversion || withoutConversion ? _urgent : ec2).SetNetworkInterfaceGroupsAsync(context.Instance, id, isolationGroups, context.DryRun, cancellationToken);
            return withoutConversion
                ? $"-> {string.Join(',', isolationGroups)} without the conversion group (it could not be made ready): tracked flows may outlive this change until their timeouts"
                : $"-> {string.Join(',', isolationGroups)}{(forensicGroup is null ? "" : " (the forensic group until the collection ends)")}";
        });
        await tracking;
        if (isolated && forensicGroup is not null)
        {
            forensic!.Opened(id, vpcGroups.IsolationGroupId!);
        }

        if (!isolated && conversion && !context.DryRun)
        {
            // Never leave an ENI in the all-open conversion group: put its own groups back.
            if (ownGroups is null)
            {
                log.Fail(Isolate, StepName.RollbackConversion, id, $"its own groups are unknown (no saved state), so it stays in {string.Join(',', conversionGroups)}, which is open: isolate it again now");
                return;
            }

            // The isolation group may have failed for want of time: putting the own groups back gets a grace of its own.
            var rollback = context.Deadline is { } deadline ? _urgent.Until(deadline with { At = deadline.UrgentAt }) : _urgent;
            await log.RunAsync(Isolate, StepName.RollbackConversion, id, dryRun: false, async () =>
            {
                await rollback.SetNetworkInterfaceGroupsAsync(context.Instance, id, ownGroups, dryRun: false, cancellationToken);
                return $"restored {string.Join(',', ownGroups)} after the isolation group failed";
            });
        }

        static Task<bool> Skipped(StepLog log, string id)
        {
            log.Skip(Isolate, StepName.ConnectionTracking, id, "already at the minimum");
            return Task.FromResult(true);
        }
    }

}

/// <summary>What isolation runs alongside its own path, each when asked.</summary>
/// <param name="FleetView">The instance's Auto Scaling group and target groups, looked up alongside the instance.</param>
/// <param name="RevokeSessions">The revocation of the role's sessions (<c>revoke-sessions</c>).</param>
/// <param name="Forensic">The window evidence is collected through after isolation.</param>
internal sealed record IsolationAlongside(Task<FleetView>? FleetView, RevokeSessionsStep? RevokeSessions, ForensicWindow? Forensic);
