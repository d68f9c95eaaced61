using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;

namespace ThreatResponse.Core.Containment.Steps;

/// <summary>
/// Isolates one instance. The critical path is the isolation group on every ENI: lookup (1 round trip), then per ENI
/// the conversion group with minimal connection tracking (2), then the isolation group (3) — plus two when the VPC's
/// groups must first be created and given their rules. Everything else runs alongside step 2 or after step 3; taking the
/// instance out of its Auto Scaling group and target groups (<see cref="FleetRemovalStep"/>, described alongside step 1)
/// completes before step 3, so the failing health checks of an isolated instance never get it terminated.
/// </summary>
internal sealed class IsolateStep(IInstanceContainment ec2, IIsolationStateStore? stateStore, QuarantineGroupResolver groups, Task<FleetView>? fleetView = null)
{
    private readonly FleetRemovalStep _fleetRemoval = new(fleetView);

    private const ContainmentAction Isolate = ContainmentAction.Isolate;

    public async Task RunAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var log = context.Log;
        description.Tags.TryGetValue(QuarantineTags.Status, out var status);
        description.Tags.TryGetValue(QuarantineTags.FindingId, out var isolatedFor);
        if (status == QuarantineTags.StatusIsolated)
        {
            log.Skip(Isolate, "isolate", null, isolatedFor == context.FindingKey
                ? "already isolated for this finding; nothing changed"
                : $"already isolated for finding {isolatedFor}; nothing changed, its saved state kept");
            return;
        }

        if (description.NetworkInterfaces.Count == 0)
        {
            log.Fail(Isolate, "isolate", null, "the instance has no network interface to isolate");
            return;
        }

        // A retried isolation ("isolating") already saved the state from before the first attempt: keep that one.
        var resuming = status == QuarantineTags.StatusIsolating;
        var state = PreIsolationState.Capture(description, context.FindingKey, context.Now);

        var vpcGroups = description.NetworkInterfaces.Select(n => n.VpcId).Distinct(StringComparer.Ordinal)
            .ToDictionary(vpc => vpc, vpc => groups.GetAsync(AwsScope.Of(context.Instance), vpc), StringComparer.Ordinal);

        var fleet = _fleetRemoval.RemoveAsync(context, cancellationToken);
        var work = new List<Task>
        {
            _fleetRemoval.DeregisterAgainAfterStandbyAsync(context, fleet, cancellationToken),
            SaveStateAsync(context, state, fleet, resuming, cancellationToken),
            ProtectAsync(context, cancellationToken),
        };
        work.AddRange(description.NetworkInterfaces.Select(eni => IsolateInterfaceAsync(context, eni, vpcGroups[eni.VpcId], fleet, cancellationToken)));
        work.Add(CutCredentialsAsync(context, cancellationToken));
        await Task.WhenAll(work);

        // Tagged isolated only once contained, else a retry would skip as "already isolated" and leave the failed part
        // undone; it resumes from "isolating" instead. A state that could not be saved does not hold the tag back.
        if (log.Steps.Any(s => s.Action == Isolate && s.Outcome == StepOutcome.Failed && s.Step != "save-state"))
        {
            log.Skip(Isolate, "tag", null, $"not tagged {QuarantineTags.StatusIsolated}: a step failed, so isolating again redoes it");
            return;
        }

        await log.RunAsync(Isolate, "tag", null, context.DryRun, async () =>
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [QuarantineTags.Status] = QuarantineTags.StatusIsolated,
                [QuarantineTags.FindingId] = context.FindingKey,
                [QuarantineTags.IsolatedAt] = context.NowText,
            };
            await ec2.SetTagsAsync(context.Instance, tags, context.DryRun, cancellationToken);
            return $"{QuarantineTags.Status}=isolated, {QuarantineTags.FindingId}, {QuarantineTags.IsolatedAt}={context.NowText}";
        });
    }

    /// <summary>Waits for the fleet removal (not on the critical path), since release needs to know what it did.</summary>
    private async Task SaveStateAsync(InstanceContext context, PreIsolationState state, Task<FleetRemoval> fleet, bool resuming, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (resuming)
        {
            log.Skip(Isolate, "save-state", null, "kept the state saved by the interrupted isolation");
            return;
        }

        var removal = await fleet;
        state = state with { AutoScalingGroup = removal.Group, TargetGroups = removal.TargetGroups };
        await SaveStateAsync(context, state, cancellationToken);
    }

    private Task SaveStateAsync(InstanceContext context, PreIsolationState state, CancellationToken cancellationToken)
    {
        var log = context.Log;

        var summary = Describe(state);
        var failureNote = $"Isolating anyway; state was: {summary}";
        if (stateStore is not null)
        {
            return log.RunAsync(Isolate, "save-state", null, context.DryRun, async () =>
            {
                if (context.DryRun)
                {
                    return $"would save to the ledger: {summary}";
                }

                var saved = await stateStore.SaveIfAbsentAsync(context.Instance, state, cancellationToken);
                return saved ? $"ledger: {summary}" : "ledger already holds this instance's state; kept it";
            }, failureNote);
        }

        var tags = IsolationStateTags.Encode(state);
        tags[QuarantineTags.Status] = QuarantineTags.StatusIsolating;
        var ours = context.Description.Tags.Keys.Count(k => k.StartsWith(QuarantineTags.Prefix, StringComparison.Ordinal));
        var needed = context.Description.Tags.Count - ours + tags.Count + 2;
        if (needed > IsolationStateTags.MaxTagsPerResource)
        {
            // Isolation goes ahead: containing the instance matters more than being able to undo it automatically.
            log.Fail(Isolate, "save-state", null,
                $"the state needs {tags.Count} tags and the instance already has {context.Description.Tags.Count - ours} of EC2's 50; set LEDGER_TABLE_NAME to keep state in DynamoDB. Isolating anyway; state was: {summary}");
            return Task.CompletedTask;
        }

        return log.RunAsync(Isolate, "save-state", null, context.DryRun, async () =>
        {
            await ec2.SetTagsAsync(context.Instance, tags, context.DryRun, cancellationToken);
            return $"{tags.Count - 1} state tag(s): {summary}";
        }, failureNote);
    }

    private async Task ProtectAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var log = context.Log;
        var protection = description.TerminationProtection
            ? Skipped("termination-protection", "already on")
            : log.RunAsync(Isolate, "termination-protection", null, context.DryRun, async () =>
            {
                await ec2.SetTerminationProtectionAsync(context.Instance, true, context.DryRun, cancellationToken);
                context.TerminationProtectionOn = !context.DryRun;
                return "on";
            });

        var shutdown = description.ShutdownKeepsInstance
            ? Skipped("shutdown-behavior", "already stop")
            : log.RunAsync(Isolate, "shutdown-behavior", null, context.DryRun, async () =>
            {
                await ec2.SetShutdownBehaviorAsync(context.Instance, InstanceDescription.ShutdownStops, context.DryRun, cancellationToken);
                return $"{description.ShutdownBehavior} -> stop";
            });

        await Task.WhenAll(protection, shutdown);

        Task<bool> Skipped(string step, string reason)
        {
            log.Skip(Isolate, step, null, reason);
            return Task.FromResult(true);
        }
    }

    /// <summary>
    /// Timeouts to the minimum and the all-open conversion group together, then the empty isolation group. The
    /// conversion group turns tracked flows into untracked ones, which the isolation group then cuts at once.
    /// </summary>
    private async Task IsolateInterfaceAsync(
        InstanceContext context, NetworkInterfaceState eni, Task<VpcQuarantineGroups> vpcGroupsTask, Task fleet, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var id = eni.NetworkInterfaceId;
        var vpcGroups = await vpcGroupsTask;
        log.Record(vpcGroups.Step with { Target = $"{eni.VpcId} ({id})" });
        if (vpcGroups.Step.Outcome == StepOutcome.Failed)
        {
            log.Fail(Isolate, "isolation-group", id, "the VPC's quarantine groups are not available; the ENI keeps its groups");
            return;
        }

        if (vpcGroups.IsolationGroupId is { } isolationId && eni.GroupIds.Count == 1 && eni.GroupIds[0] == isolationId)
        {
            // Resuming an interrupted isolation: this ENI is already cut off, and must not pass through the all-open group again.
            log.Skip(Isolate, "isolation-group", id, $"already only in {isolationId}");
            return;
        }

        // In a dry run before the groups exist, the ENI's own groups stand in: the check is of permission to modify it.
        var conversionGroups = vpcGroups.ConversionGroupId is { } c ? [c] : eni.GroupIds;
        var isolationGroups = vpcGroups.IsolationGroupId is { } i ? [i] : eni.GroupIds;

        var tracking = log.RunAsync(Isolate, "connection-tracking", id, context.DryRun, async () =>
        {
            await ec2.SetMinimumConnectionTrackingAsync(context.Instance, id, context.DryRun, cancellationToken);
            return "TCP established 60 s, UDP stream 60 s, UDP 30 s";
        });
        var conversion = log.RunAsync(Isolate, "conversion-group", id, context.DryRun, async () =>
        {
            await ec2.SetNetworkInterfaceGroupsAsync(context.Instance, id, conversionGroups, context.DryRun, cancellationToken);
            return $"{string.Join(',', eni.GroupIds)} -> {string.Join(',', conversionGroups)}";
        });
        await Task.WhenAll(tracking, conversion, fleet);

        var isolated = await log.RunAsync(Isolate, "isolation-group", id, context.DryRun, async () =>
        {
            await ec2.SetNetworkInterfaceGroupsAsync(context.Instance, id, isolationGroups, context.DryRun, cancellationToken);
            return $"-> {string.Join(',', isolationGroups)}";
        });

        if (!isolated && await conversion && !context.DryRun)
        {
            // Never leave an ENI in the all-open conversion group: put its own groups back.
            await log.RunAsync(Isolate, "rollback-conversion", id, dryRun: false, async () =>
            {
                await ec2.SetNetworkInterfaceGroupsAsync(context.Instance, id, eni.GroupIds, dryRun: false, cancellationToken);
                return $"restored {string.Join(',', eni.GroupIds)} after the isolation group failed";
            });
        }
    }

    private async Task CutCredentialsAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var log = context.Log;
        Task metadata;
        if (description.MetadataOptions.IsEndpointDisabled)
        {
            log.Skip(Isolate, "metadata-endpoint", null, "already disabled");
            metadata = Task.CompletedTask;
        }
        else
        {
            metadata = log.RunAsync(Isolate, "metadata-endpoint", null, context.DryRun, async () =>
            {
                await ec2.SetMetadataOptionsAsync(context.Instance, description.MetadataOptions.WithEndpointDisabled(), context.DryRun, cancellationToken);
                return "disabled: the instance can no longer fetch role credentials";
            });
        }

        Task profile;
        if (description.ProfileAssociation is not { } association)
        {
            log.Skip(Isolate, "instance-profile", null, "no instance profile associated");
            profile = Task.CompletedTask;
        }
        else if (context.DryRun)
        {
            log.Record(new StepResult(Isolate, "instance-profile", null, StepOutcome.DryRun,
                $"would disassociate {association.ProfileArn}; EC2 has no DryRun for this call, so it was not checked", null, 0));
            profile = Task.CompletedTask;
        }
        else
        {
            profile = log.RunAsync(Isolate, "instance-profile", null, dryRun: false, async () =>
            {
                await ec2.DisassociateInstanceProfileAsync(context.Instance, association.AssociationId, cancellationToken);
                return $"disassociated {association.ProfileArn} (credentials already issued stay valid until they expire)";
            });
        }

        await Task.WhenAll(metadata, profile);
    }

    internal static string Describe(PreIsolationState state)
    {
        var groups = string.Join("; ", state.GroupsByNetworkInterface.Select(p => $"{p.Key}: {string.Join(',', p.Value)}"));
        var m = state.MetadataOptions;
        return $"{groups}; profile {state.ProfileArn ?? "none"}; metadata {m.HttpEndpoint}/{m.HttpTokens}/hop {m.HttpPutResponseHopLimit}; termination protection {(state.TerminationProtection ? "on" : "off")}; shutdown {state.ShutdownBehavior}"
            + (state.AutoScalingGroup is { } g ? $"; Auto Scaling group {g.Name} ({(g.Removal == AutoScalingRemoval.Standby ? "standby" : "detached")}, scale-in protection was {(g.WasProtected ? "on" : "off")})" : "")
            + (state.TargetGroups is { Count: > 0 } t ? $"; target groups {string.Join(',', t.Select(x => $"{x.TargetGroupArn}:{x.Port}"))}" : "");
    }
}
