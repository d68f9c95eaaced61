using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
using ThreatResponse.Core.Containment.Isolation;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.Release;

/// <summary>
/// Undoes an isolation from its saved state: groups and connection-tracking timeouts per ENI, the network ACL entries
/// it added, metadata options, instance profile, termination protection, shutdown behaviour, the revocation of the
/// role's sessions (<see cref="RevokeSessionsStep.RemoveAsync"/>); on request, Auto Scaling group and target groups. The quarantine tags and saved state go only when every restore step succeeded, so a failed
/// release can be run again. A state kept in tags (no ledger) could have been written by anyone who can tag the
/// instance: from it, release restores no instance profile and no security group outside the instance's VPC.
/// </summary>
/// <param name="options">
/// Its evidence options name the quarantine profile an instance holds while evidence is collected after isolation:
/// found on the instance (an interrupted collection left it), it is replaced by the saved profile, or removed.
/// </param>
internal sealed class ReleaseStep(InstancePorts ports, IIsolationStateStore? stateStore, ContainmentOptions options)
{
    private readonly IInstanceContainment _ec2 = ports.Ec2;
    private readonly IFleetMembership? _fleet = ports.Fleet;
    private readonly RevokeSessionsStep? _sessions = ports.Sessions;
    private readonly Evidence.EvidenceOptions _evidence = options.Evidence;

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
        work.Add(new ProfileRestore(_ec2, _evidence).RestoreAsync(context, state, keeper.IsAuthoritative, cancellationToken));
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

        work.Add(new MembershipRestore(_fleet).RestoreAsync(context, state, cancellationToken));
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
            var membershipBack = context.RestoreMembership && MembershipRestore.HasMembership(state);
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
            if (!context.RestoreMembership || !MembershipRestore.HasMembership(state))
            {
                return;
            }
        }

        if (!context.RestoreMembership || !MembershipRestore.HasMembership(state))
        {
            log.Skip(Release, StepName.Release, null, $"{since}; nothing changed");
            return;
        }

        if (state.MembershipRestoredAt is { } at)
        {
            log.Skip(Release, StepName.RestoreMembership, null, $"{since}; membership already restored {at:u}");
            return;
        }

        if (await new MembershipRestore(_fleet).RestoreAsync(context, state, cancellationToken) && !context.DryRun)
        {
            await log.RunAsync(Release, StepName.SaveState, null, dryRun: false, async () =>
            {
                await keeper.MarkReleasedAsync(state with { MembershipRestoredAt = context.Now }, cancellationToken);
                return $"{since}; membership restored {context.NowText}";
            });
        }
    }

    private static async Task<bool> NotFailedAsync(Task<RevocationRemoval> removal) => await removal != RevocationRemoval.Failed;

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

}
