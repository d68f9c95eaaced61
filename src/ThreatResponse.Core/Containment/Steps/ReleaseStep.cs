using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Sessions;
using ThreatResponse.Core.Containment.State;

namespace ThreatResponse.Core.Containment.Steps;

/// <summary>
/// Undoes an isolation from its saved state: groups and connection-tracking timeouts per ENI, the network ACL entries
/// it added, metadata options, instance profile, termination protection, shutdown behaviour, the revocation of the
/// role's sessions (<see cref="RevokeSessionsStep.RemoveAsync"/>); on request, Auto Scaling group and target groups. The quarantine tags and saved state go only when every restore step succeeded, so a failed
/// release can be run again. A state kept in tags (no ledger) could have been written by anyone who can tag the
/// instance: from it, release restores no instance profile and no security group outside the instance's VPC.
/// </summary>
/// <param name="options">
/// Its evidence options name the quarantine profile an instance holds while evidence is collected after isolation:
/// found on the instance (an interrupted collection left it), it is replaced by the saved profile, or removed. Its
/// <see cref="ContainmentOptions.RevokedCredentialLifetime"/> is how long a revocation outlives its cut-off.
/// </param>
internal sealed class ReleaseStep(InstancePorts ports, IIsolationStateStore? stateStore, ContainmentOptions options)
{
    private readonly IInstanceContainment _ec2 = ports.Ec2;
    private readonly IFleetMembership? _fleet = ports.Fleet;
    private readonly RevokeSessionsStep? _sessions = ports.Sessions;
    private readonly Evidence.EvidenceOptions _evidence = options.Evidence;
    private readonly TimeSpan _revokedCredentialLifetime = options.RevokedCredentialLifetime;

    private const ContainmentAction Release = ContainmentAction.Release;

    public async Task RunAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var keeper = new IsolationStateKeeper(_ec2, stateStore, context);
        var state = await LoadStateAsync(context, keeper, cancellationToken);
        if (state is null)
        {
            return;
        }

        if (context.ReleaseOnlyForIsolatingFinding && !string.Equals(state.FindingId, context.FindingKey, StringComparison.Ordinal))
        {
            // A finding naming the instance is no authority to release it: anyone who can import a finding can write one.
            log.Record(new StepResult(Release, StepName.Release, null, StepOutcome.Skipped,
                $"refused: {context.Instance.InstanceId} was isolated for finding {state.FindingId} ({keeper.Where}, {state.SavedAt:u}), not for {context.FindingKey}; only a release from that finding is carried out (or an operator's: threat-response release --instance {context.Instance.InstanceId}); nothing changed",
                ContainmentRequest.NotTheIsolatingFinding, 0));
            return;
        }

        if (state.IsReleased)
        {
            await RunReleasedAgainAsync(context, keeper, state, cancellationToken);
            return;
        }

        var description = context.Description;
        var groupVpcs = keeper.IsAuthoritative ? null : await GroupVpcsAsync(context, state, cancellationToken);
        if (!keeper.IsAuthoritative && groupVpcs is null)
        {
            return;
        }

        var work = new List<Task<bool>>();
        foreach (var eni in description.NetworkInterfaces)
        {
            if (!state.GroupsByNetworkInterface.TryGetValue(eni.NetworkInterfaceId, out var saved))
            {
                log.Skip(Release, StepName.RestoreGroups, eni.NetworkInterfaceId, "attached after isolation: no saved groups, left as it is");
                continue;
            }

            if (groupVpcs is not null && saved.FirstOrDefault(g => !groupVpcs.TryGetValue(g, out var vpc) || vpc != eni.VpcId) is { } foreign)
            {
                log.Fail(Release, StepName.RestoreGroups, eni.NetworkInterfaceId,
                    $"the state in the instance's tags names {foreign}, which is not a group of the ENI's VPC {eni.VpcId}; tags can be written by anyone who can tag the instance, so nothing was restored on this ENI. Check the groups and set them by hand: aws ec2 modify-network-interface-attribute --network-interface-id {eni.NetworkInterfaceId} --groups <ids>",
                    "UntrustedSavedState");
                work.Add(Task.FromResult(false));
                continue;
            }

            work.Add(log.RunAsync(Release, StepName.RestoreGroups, eni.NetworkInterfaceId, context.DryRun, async () =>
            {
                await _ec2.SetNetworkInterfaceGroupsAsync(context.Instance, eni.NetworkInterfaceId, saved, context.DryRun, cancellationToken);
                return $"{string.Join(',', eni.GroupIds)} -> {string.Join(',', saved)}";
            }));

            var tracking = state.TrackingByNetworkInterface?.GetValueOrDefault(eni.NetworkInterfaceId) ?? ConnectionTrackingState.Default;
            work.Add(log.RunAsync(Release, StepName.RestoreConnectionTracking, eni.NetworkInterfaceId, context.DryRun, async () =>
            {
                await _ec2.SetConnectionTrackingAsync(context.Instance, eni.NetworkInterfaceId, tracking, context.DryRun, cancellationToken);
                return tracking.ToString() + (state.TrackingByNetworkInterface is null ? " (EC2's defaults: the state predates saved timeouts)" : "");
            }));
        }

        work.Add(new NetworkAclRemoval(_ec2).RemoveAsync(context, state.AclEntries ?? [], cancellationToken));

        foreach (var gone in state.GroupsByNetworkInterface.Keys.Except(description.NetworkInterfaces.Select(n => n.NetworkInterfaceId)))
        {
            log.Skip(Release, StepName.RestoreGroups, gone, "no longer attached to the instance");
        }

        work.Add(log.RunAsync(Release, StepName.RestoreMetadata, null, context.DryRun, async () =>
        {
            await _ec2.SetMetadataOptionsAsync(context.Instance, state.MetadataOptions, context.DryRun, cancellationToken);
            return $"endpoint {state.MetadataOptions.HttpEndpoint}, tokens {state.MetadataOptions.HttpTokens}, hop limit {state.MetadataOptions.HttpPutResponseHopLimit}";
        }));
        work.Add(RestoreProfileAsync(context, state, keeper.IsAuthoritative, cancellationToken));
        work.Add(state.TerminationProtection == description.TerminationProtection
            ? Skipped(StepName.RestoreTerminationProtection, $"already {(state.TerminationProtection ? "on" : "off")}")
            : log.RunAsync(Release, StepName.RestoreTerminationProtection, null, context.DryRun, async () =>
            {
                await _ec2.SetTerminationProtectionAsync(context.Instance, state.TerminationProtection, context.DryRun, cancellationToken);
                return state.TerminationProtection ? "on" : "off";
            }));
        work.Add(state.ShutdownBehavior == description.ShutdownBehavior
            ? Skipped(StepName.RestoreShutdownBehavior, $"already {state.ShutdownBehavior}")
            : log.RunAsync(Release, StepName.RestoreShutdownBehavior, null, context.DryRun, async () =>
            {
                await _ec2.SetShutdownBehaviorAsync(context.Instance, state.ShutdownBehavior, context.DryRun, cancellationToken);
                return state.ShutdownBehavior;
            }));

        work.Add(RestoreMembershipAsync(context, state, cancellationToken));
        Task<RevocationRemoval>? revocation = null;
        if (state.RevocationPending)
        {
            if (_sessions is null)
            {
                work.Add(Failed(StepName.RemoveRevokedSessions, $"no IAM client configured; the revocation stays: aws iam delete-role-policy --role-name {state.RevokedSessions!.RoleName} --policy-name {state.RevokedSessions.PolicyName}"));
            }
            else
            {
                // Kept (its credentials may still be valid) is no failure: the release completes, the revocation outlives it.
                revocation = _sessions.RemoveAsync(context, state, keeper.IsAuthoritative, cancellationToken);
                work.Add(NotFailedAsync(revocation));
            }
        }

        var restored = await Task.WhenAll(work);
        if (restored.Contains(false))
        {
            log.Skip(Release, StepName.RemoveTags, null, "kept the quarantine tags and saved state so release can be run again");
            return;
        }

        await log.RunAsync(Release, StepName.RemoveTags, null, context.DryRun, async () =>
        {
            var keys = description.Tags.Keys.Where(IsQuarantineTag).ToList();

            // The state is kept, marked released (the record of the isolation, and what a later --restore-membership
            // needs), while the tags for people go: neither waits for the other.
            var membershipBack = context.RestoreMembership && HasMembership(state);
            await Task.WhenAll(
                keys.Count > 0 ? _ec2.RemoveTagsAsync(context.Instance, keys, context.DryRun, cancellationToken) : Task.CompletedTask,
                keeper.MarkReleasedAsync(state with
                {
                    ReleasedAt = context.Now,
                    MembershipRestoredAt = membershipBack ? context.Now : null,
                    RevokedSessionsEndedAt = revocation is { Result: RevocationRemoval.Ended } ? context.Now : state.RevokedSessionsEndedAt,
                }, cancellationToken));
            return $"removed {string.Join(',', keys)}; " + (keeper.IsAuthoritative
                ? $"state kept in the ledger, marked released {context.NowText}" + (revocation is { Result: RevocationRemoval.Kept } ? "; the revocation of sessions stays in force, recorded for a later release to remove" : "")
                : "state tags removed");
        });

        Task<bool> Skipped(StepName step, string reason)
        {
            log.Skip(Release, step, null, reason);
            return Task.FromResult(true);
        }

        Task<bool> Failed(StepName step, string reason)
        {
            log.Fail(Release, step, null, reason);
            return Task.FromResult(false);
        }
    }

    /// <summary>
    /// Release of a state already released: only membership is left to put back, and only when asked; otherwise
    /// nothing changes and the answer says since when the instance is released.
    /// </summary>
    private async Task RunReleasedAgainAsync(InstanceContext context, IsolationStateKeeper keeper, PreIsolationState state, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var since = $"already released {state.ReleasedAt:u} (isolated {state.SavedAt:u} for {state.FindingId})";
        if (state.RevocationPending && keeper.IsAuthoritative)
        {
            // The one thing a release leaves behind on purpose: the revocation, until the credentials it denies have expired.
            state = await EndRevocationAsync(context, keeper, state, since, cancellationToken);
            if (!context.RestoreMembership || !HasMembership(state))
            {
                return;
            }
        }

        if (!context.RestoreMembership || !HasMembership(state))
        {
            log.Skip(Release, StepName.Release, null, $"{since}; nothing changed");
            return;
        }

        if (state.MembershipRestoredAt is { } at)
        {
            log.Skip(Release, StepName.RestoreMembership, null, $"{since}; membership already restored {at:u}");
            return;
        }

        if (await RestoreMembershipAsync(context, state, cancellationToken) && !context.DryRun)
        {
            await log.RunAsync(Release, StepName.SaveState, null, dryRun: false, async () =>
            {
                await keeper.MarkReleasedAsync(state with { MembershipRestoredAt = context.Now }, cancellationToken);
                return $"{since}; membership restored {context.NowText}";
            });
        }
    }

    private static async Task<bool> NotFailedAsync(Task<RevocationRemoval> removal) => await removal != RevocationRemoval.Failed;

    private static bool HasMembership(PreIsolationState state) => state.AutoScalingGroup is not null || state.TargetGroups is { Count: > 0 };

    /// <summary>
    /// A released state whose revocation is still in force: removed once the credentials it denies have expired
    /// (otherwise kept, saying until when), and the state records it ended.
    /// </summary>
    private async Task<PreIsolationState> EndRevocationAsync(InstanceContext context, IsolationStateKeeper keeper, PreIsolationState state, string since, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (_sessions is null)
        {
            log.Fail(Release, StepName.RemoveRevokedSessions, null, $"{since}; no IAM client configured; the revocation stays: aws iam delete-role-policy --role-name {state.RevokedSessions!.RoleName} --policy-name {state.RevokedSessions.PolicyName}");
            return state;
        }

        if (await _sessions.RemoveAsync(context, state, keeper.IsAuthoritative, cancellationToken) != RevocationRemoval.Ended || context.DryRun)
        {
            return state;
        }

        var ended = state with { RevokedSessionsEndedAt = context.Now };
        await log.RunAsync(Release, StepName.SaveState, null, dryRun: false, async () =>
        {
            await keeper.MarkReleasedAsync(ended, cancellationToken);
            return $"{since}; the revocation of sessions recorded ended {context.NowText}";
        });
        return ended;
    }

    /// <summary>
    /// For an instance that is terminated or gone, with its state in the ledger: removes the network ACL entries its
    /// isolation added (its private addresses will be reused), and marks the saved state released. Nothing else can be restored.
    /// </summary>
    public async Task ForgetAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var keeper = new IsolationStateKeeper(_ec2, stateStore, context);
        PreIsolationState? state;
        try
        {
            state = await keeper.LoadAsync(cancellationToken);
        }
        catch (Exception e) when (e is AwsOperationException or FormatException)
        {
            log.Fail(Release, StepName.LoadState, null, $"the saved state cannot be read: {e.Message}", (e as AwsOperationException)?.ErrorCode ?? "InvalidSavedState");
            return;
        }

        if (state is null or { IsReleased: true })
        {
            log.Skip(Release, StepName.Forget, null, $"instance is {context.Description.State} and the {keeper.Where} hold no state for it (or it was released): nothing to remove");
            return;
        }

        log.Record(new StepResult(Release, StepName.LoadState, null, StepOutcome.Succeeded, $"{keeper.Where}: saved {state.SavedAt:u} for finding {state.FindingId}", null, 0));
        var removed = await new NetworkAclRemoval(_ec2).RemoveAsync(context, state.AclEntries ?? [], cancellationToken);
        if (!removed)
        {
            log.Skip(Release, StepName.Forget, null, "kept the saved state so the entries can be removed by running release again");
            return;
        }

        await log.RunAsync(Release, StepName.Forget, null, context.DryRun, async () =>
        {
            await keeper.MarkReleasedAsync(state with { ReleasedAt = context.Now }, cancellationToken);
            // The revocation stays: the instance's stolen credentials may still be unexpired, and it denies only sessions
            // issued before its cut-off, so it costs the role's other instances nothing once they have refreshed.
            var revocation = state.RevokedSessions is { } r && state.RevocationPending
                ? $"; the revocation of role {r.RoleName}'s sessions stays, at least until {SessionRevocationPolicy.Format(SessionRevocationPolicy.KeepUntil(r.CutOff, _revokedCredentialLifetime))} when every credential it denies has expired; a release after that removes it"
                : "";
            return $"instance is {context.Description.State}: nothing else to restore; saved state marked released, kept for the record ({state.AclEntries?.Count ?? 0} network ACL entr(ies) were its own){revocation}";
        });
    }

    private static bool IsQuarantineTag(string key) =>
        key is QuarantineTags.Status or QuarantineTags.FindingId or QuarantineTags.IsolatedAt || IsolationStateTags.IsStateKey(key);

    /// <summary>The VPC of every group a tag-kept state names; null (and a failed step) when they cannot be looked up.</summary>
    private async Task<IReadOnlyDictionary<string, string>?> GroupVpcsAsync(InstanceContext context, PreIsolationState state, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string>? vpcs = null;
        var ids = state.GroupsByNetworkInterface.Values.SelectMany(g => g).Distinct(StringComparer.Ordinal).ToList();
        await context.Log.RunAsync(Release, StepName.CheckState, null, dryRun: false, async () =>
        {
            vpcs = await _ec2.FindSecurityGroupVpcsAsync(AwsScope.Of(context.Instance), ids, cancellationToken);
            return $"state kept in tags (no ledger): {ids.Count} group(s) checked against the ENIs' VPCs; an instance profile is not restored from tags";
        });
        return vpcs;
    }

    private static async Task<PreIsolationState?> LoadStateAsync(InstanceContext context, IsolationStateKeeper keeper, CancellationToken cancellationToken)
    {
        var log = context.Log;
        PreIsolationState? state = null;
        // Not a release step by itself (no action): a state found already released leaves the release "skipped".
        var loaded = await log.RunAsync(null, StepName.LoadState, null, dryRun: false, async () =>
        {
            try
            {
                state = await keeper.LoadAsync(cancellationToken);
            }
            catch (FormatException e)
            {
                throw new StepFailedException("InvalidSavedState", $"the saved state cannot be read: {e.Message}", e);
            }

            return state is null ? null : state.IsReleased ? $"{keeper.Where}: released {state.ReleasedAt:u}" : $"{keeper.Where}: saved {state.SavedAt:u} for finding {state.FindingId}: {IsolationStateSteps.Describe(state)}";
        });

        if (loaded && state is null)
        {
            log.Fail(Release, StepName.LoadState, null, $"no saved pre-isolation state in the {keeper.Where}: the instance was not isolated by ThreatResponse or was already released; nothing changed");
        }

        return state;
    }

    /// <summary>
    /// Back in service only when asked: a released instance may still be under investigation, and a load balancer
    /// would send it traffic at once.
    /// </summary>
    private async Task<bool> RestoreMembershipAsync(InstanceContext context, PreIsolationState state, CancellationToken cancellationToken)
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

        if (_fleet is null)
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
                await _fleet.ReturnToServiceAsync(context.Instance, group.Name, cancellationToken);
                return "exited Standby: InService again";
            });
            if (!group.WasProtected)
            {
                ok &= await RunOrRecordAsync(context, StepName.RestoreScaleInProtection, group.Name, "would turn scale-in protection off", async () =>
                {
                    await _fleet.SetScaleInProtectionAsync(context.Instance, group.Name, false, cancellationToken);
                    return "off, as before isolation";
                });
            }
        }

        if (targets.Count > 0)
        {
            ok &= await RunOrRecordAsync(context, StepName.RestoreLoadBalancers, string.Join(',', targets.Select(t => t.TargetGroupArn)), "would register it again", async () =>
            {
                await _fleet.RegisterAsync(context.Instance, targets, cancellationToken);
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

    private Task<bool> RestoreProfileAsync(InstanceContext context, PreIsolationState state, bool trusted, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var current = context.Description.ProfileAssociation;
        if (current is not null && IsQuarantineProfile(context, current.ProfileArn))
        {
            return ReplaceQuarantineProfileAsync(context, current, trusted ? state.ProfileArn : null, cancellationToken);
        }

        if (state.ProfileArn is null)
        {
            log.Skip(Release, StepName.RestoreInstanceProfile, null, "none was associated before isolation");
            return Task.FromResult(true);
        }

        if (!trusted && current is null)
        {
            // A forged state tag must not hand the instance any role of the account (the member role may pass any).
            log.Skip(Release, StepName.RestoreInstanceProfile, null,
                $"not restored from a state kept in tags, which anyone who can tag the instance can write; if {state.ProfileArn} is right: aws ec2 associate-iam-instance-profile --instance-id {context.Instance.InstanceId} --iam-instance-profile Arn={state.ProfileArn}");
            return Task.FromResult(true);
        }

        if (current is not null)
        {
            log.Skip(Release, StepName.RestoreInstanceProfile, null, current.ProfileArn == state.ProfileArn
                ? "already associated"
                : $"{current.ProfileArn} is associated now; not replaced with {state.ProfileArn}");
            return Task.FromResult(true);
        }

        if (context.DryRun)
        {
            log.Record(new StepResult(Release, StepName.RestoreInstanceProfile, null, StepOutcome.DryRun,
                $"would associate {state.ProfileArn}; EC2 has no DryRun for this call, so it was not checked", null, 0));
            return Task.FromResult(true);
        }

        return log.RunAsync(Release, StepName.RestoreInstanceProfile, null, dryRun: false, async () =>
        {
            await _ec2.AssociateInstanceProfileAsync(context.Instance, state.ProfileArn, cancellationToken);
            return $"associated {state.ProfileArn}";
        });
    }

    private bool IsQuarantineProfile(InstanceContext context, string profileArn) =>
        _evidence is not null && profileArn == _evidence.QuarantineProfileArn(context.Instance);

    /// <summary>An interrupted collection left the quarantine profile: the saved one takes its place, or none.</summary>
    private Task<bool> ReplaceQuarantineProfileAsync(InstanceContext context, ProfileAssociation quarantine, string? saved, CancellationToken cancellationToken)
    {
        if (context.DryRun)
        {
            context.Log.Record(new StepResult(Release, StepName.RestoreInstanceProfile, null, StepOutcome.DryRun,
                $"would {(saved is null ? "remove" : $"replace with {saved}")} the quarantine profile {quarantine.ProfileArn}; EC2 has no DryRun for this call, so it was not checked", null, 0));
            return Task.FromResult(true);
        }

        return context.Log.RunAsync(Release, StepName.RestoreInstanceProfile, null, dryRun: false, async () =>
        {
            if (saved is null)
            {
                await _ec2.DisassociateInstanceProfileAsync(context.Instance, quarantine.AssociationId, cancellationToken);
                return $"removed the quarantine profile {quarantine.ProfileArn} an interrupted collection left; none to restore";
            }

            await _ec2.ReplaceInstanceProfileAsync(context.Instance, quarantine.AssociationId, saved, cancellationToken);
            return $"the quarantine profile {quarantine.ProfileArn} an interrupted collection left replaced by {saved}";
        });
    }
}
