using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Engine;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.Isolation;

/// <summary>
/// Isolation's part in the pre-isolation state: saved before any change (or, when resuming, the earlier attempt's kept),
/// completed with what isolation did that release must undo, and described in words for the report.
/// </summary>
internal static class IsolationStateSteps
{
    private const ContainmentAction Isolate = ContainmentAction.Isolate;

    /// <summary>
    /// Saved before any change, so a death at any later point leaves the instance's real state behind. A state that
    /// cannot be saved does not hold isolation back: containing matters more than undoing it automatically.
    /// </summary>
    /// <returns>The state in force: the one just saved, or the one an interrupted attempt saved; null when none is.</returns>
    public static async Task<PreIsolationState?> SaveAsync(
        InstanceContext context, IsolationStateKeeper keeper, bool resuming, bool isolatedAlready, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var state = PreIsolationState.Capture(context.Description, context.FindingKey, context.Now);
        if (isolatedAlready && await LoadQuietlyAsync(keeper, cancellationToken) is { IsReleased: false } held)
        {
            log.Skip(Isolate, StepName.SaveState, null, $"already isolated: every ENI is only in its VPC's isolation group; kept the state saved {held.SavedAt:u} for {held.FindingId}");
            return held;
        }

        if (resuming)
        {
            PreIsolationState? kept = null;
            await log.RunAsync(Isolate, StepName.SaveState, null, dryRun: false, async () =>
            {
                try
                {
                    kept = await keeper.LoadAsync(cancellationToken);
                }
                catch (FormatException e)
                {
                    throw new StepFailedException("InvalidSavedState", $"an ENI is already in a quarantine group and the saved state cannot be read ({e.Message}); release will need the groups by hand", e);
                }

                return kept switch
                {
                    null => throw new StepFailedException("NoSavedState", $"an ENI is already in a quarantine group and the {keeper.Where} hold no saved state; its own groups are unknown, so release will need them by hand"),
                    { IsReleased: true } => throw new StepFailedException("NoSavedState", $"an ENI is already in a quarantine group, but the state in the {keeper.Where} was released {kept.ReleasedAt:u} (someone put it back by hand?); its own groups are unknown, so release will need them by hand"),
                    _ => $"an ENI is already in a quarantine group: kept the state saved {kept.SavedAt:u} in the {keeper.Where}",
                };
            });
            return kept is { IsReleased: false } ? kept : null;
        }

        var summary = Describe(state);
        var ok = await log.RunAsync(Isolate, StepName.SaveState, null, context.DryRun, StepLog.Noted($"Isolating anyway; state was: {summary}", async () => $"{await keeper.SaveAsync(state, cancellationToken)}: {summary}"));
        return ok && !context.DryRun ? state : null;
    }

    private static async Task<PreIsolationState?> LoadQuietlyAsync(IsolationStateKeeper keeper, CancellationToken cancellationToken)
    {
        try
        {
            return await keeper.LoadAsync(cancellationToken);
        }
        catch (Exception e) when (e is FormatException or AwsOperationException)
        {
            return null;
        }
    }

    /// <summary>What isolation did that release must undo, added to the saved state once known.</summary>
    /// <param name="outcome">Its revocation is the revocation of the role's sessions in force for this isolation; null when none was written.</param>
    public static async Task SaveOutcomeAsync(
        InstanceContext context, IsolationStateKeeper keeper, PreIsolationState? saved, IsolationOutcome outcome, CancellationToken cancellationToken)
    {
        var (removal, entries, revoked) = outcome;
        if (saved is null || context.DryRun)
        {
            if (revoked is not null && !context.DryRun)
            {
                context.Log.Fail(ContainmentAction.RevokeSessions, StepName.SaveStateOutcome, null,
                    $"no saved state to keep the revocation in, so release will not remove it: aws iam delete-role-policy --role-name {revoked.RoleName} --policy-name {revoked.PolicyName}",
                    "NoSavedState");
            }

            return;
        }

        var known = saved.AclEntries ?? [];

        // A state this isolation replaced still has its revocation in force when it was not released, or was released
        // while the revoked credentials could still be used (the revocation outlives release until then): carried
        // over, so the release of this state removes it in its time.
        var carried = keeper.Superseded is { } superseded && (!superseded.IsReleased || superseded.RevokedSessionsEndedAt is null)
            ? superseded.RevokedSessions
            : null;
        var updated = saved with
        {
            AutoScalingGroup = removal.Group ?? saved.AutoScalingGroup,
            TargetGroups = removal.TargetGroups ?? saved.TargetGroups,
            AclEntries = [.. known, .. entries.Where(e => !known.Contains(e))],
            RevokedSessions = revoked ?? saved.RevokedSessions ?? carried,
        };
        if (updated.AutoScalingGroup == saved.AutoScalingGroup && updated.TargetGroups == saved.TargetGroups && updated.AclEntries.Count == known.Count
            && updated.RevokedSessions == saved.RevokedSessions)
        {
            return;
        }

        var added = new List<string>();
        if (updated.AutoScalingGroup != saved.AutoScalingGroup || updated.TargetGroups != saved.TargetGroups)
        {
            added.Add("Auto Scaling and target group membership");
        }

        if (updated.AclEntries.Count != known.Count)
        {
            added.Add($"{updated.AclEntries.Count - known.Count} network ACL entr(ies)");
        }

        if (updated.RevokedSessions != saved.RevokedSessions)
        {
            added.Add($"the revocation of role {updated.RevokedSessions!.RoleName}'s sessions");
        }

        await context.Log.RunAsync(Isolate, StepName.SaveStateOutcome, null, dryRun: false,
            StepLog.Noted("release will not undo these by itself", async () => $"{await keeper.SaveAsync(updated, cancellationToken)}: added {string.Join(" and ", added)}"));
    }

    /// <summary>The state an earlier isolation saved, replaced by this one's: kept for the record once this one is done.</summary>
    public static async Task KeepSupersededAsync(InstanceContext context, IsolationStateKeeper keeper, CancellationToken cancellationToken)
    {
        if (keeper.Superseded is not { } superseded)
        {
            return;
        }

        await context.Log.RunAsync(Isolate, StepName.KeepSupersededState, null, dryRun: false, StepLog.Noted("the superseded state is not kept; the current one is saved", async () =>
        {
            await keeper.KeepSupersededAsync(cancellationToken);
            return $"the state saved {superseded.SavedAt:u} for {superseded.FindingId}{(superseded.IsReleased ? $" (released {superseded.ReleasedAt:u})" : "")} kept for the record, never restored";
        }));
    }

    public static string Describe(PreIsolationState state)
    {
        var groups = string.Join("; ", state.GroupsByNetworkInterface.Select(p => $"{p.Key}: {string.Join(',', p.Value)}"));
        var m = state.MetadataOptions;
        var tracking = state.TrackingByNetworkInterface is { Count: > 0 } t0 ? $"; connection tracking {string.Join("; ", t0.Select(p => $"{p.Key}: {p.Value.TcpEstablished}/{p.Value.UdpStream}/{p.Value.Udp} s"))}" : "";
        return $"{groups}{tracking}; profile {state.ProfileArn ?? "none"}; metadata {m.HttpEndpoint}/{m.HttpTokens}/hop {m.HttpPutResponseHopLimit}; termination protection {(state.TerminationProtection ? "on" : "off")}; shutdown {state.ShutdownBehavior}"
            + (state.AutoScalingGroup is { } g ? $"; Auto Scaling group {g.Name} ({(g.Removal == AutoScalingRemoval.Standby ? "standby" : "detached")}, scale-in protection was {(g.WasProtected ? "on" : "off")})" : "")
            + (state.TargetGroups is { Count: > 0 } t ? $"; target groups {string.Join(',', t.Select(x => $"{x.TargetGroupArn}:{x.Port}"))}" : "")
            + (state.AclEntries is { Count: > 0 } a ? $"; network ACL entries {string.Join(", ", a)}" : "")
            + (state.RevokedSessions is { } r ? $"; sessions of role {r.RoleName} issued before {SessionRevocationPolicy.Format(r.CutOff)} revoked ({r.PolicyName})" : "");
    }
}

/// <summary>What isolation did that release must undo: fleet removal, network ACL entries, the revocation of sessions.</summary>
internal sealed record IsolationOutcome(FleetRemoval Removal, IReadOnlyList<NetworkAclDenyEntry> Entries, RevokedSessions? Revoked);
