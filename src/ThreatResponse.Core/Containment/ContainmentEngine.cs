using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.Sessions;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Steps;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment;

/// <summary>
/// Runs isolate (with revoke-sessions), snapshot, stop and release on the instances of a request: several instances at once (bounded by
/// <see cref="ContainmentOptions.MaxConcurrentInstances"/>), one instance's failure never stopping the others, every
/// step reported per instance. When EC2 request tokens are scarce, every instance's isolation path comes before other
/// work (<see cref="ContainmentFirstGate"/>); with a <see cref="ContainmentRequest.Deadline"/>, what is not done by then
/// is reported not reached in time.
/// </summary>
public sealed class ContainmentEngine(
    IInstanceContainment ec2,
    ContainmentOptions options,
    TimeProvider time,
    IIsolationStateStore? stateStore = null,
    IFleetMembership? fleet = null,
    IInstanceRolePolicies? roles = null,
    Evidence.IEvidenceCollector? evidence = null,
    IQuarantineGroupRegistry? groupRegistry = null)
{
    public async Task<ContainmentReport> RunAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var startedAt = time.GetUtcNow();
        var reportId = "tr-" + Guid.CreateVersion7(startedAt).ToString("N");
        var defaultKey = FindingKey.Of(request.FindingId ?? $"manual:{reportId}");
        // The VPCs' groups serve every finding of the request: their calls are attributed to its finding, or to its report when several.
        // Without a state store there is no ledger to record groups in, whatever registry is given.
        var groups = new QuarantineGroupResolver(
            Bounded(ec2.ForFinding(request.FindingId is null ? reportId : defaultKey), request), stateStore is null ? null : groupRegistry,
            [.. request.Instances.Select(i => i.InstanceId.Value)], time, request.DryRun, cancellationToken);
        var acls = new SharedNetworkAcls();
        var channels = new ForensicChannels(Bounded(ec2.ForFinding(request.FindingId is null ? reportId : defaultKey), request), groups, time, cancellationToken, options.Evidence);
        var instances = request.Instances.Distinct().ToList();
        var first = new ContainmentFirstGate(ec2, time, request.Actions.Contains(ContainmentAction.Isolate) ? instances : []);
        var responses = new Task<InstanceResult?>[instances.Count];
        string KeyFor(InstanceReference instance) =>
            request.FindingIdByInstance?.TryGetValue(instance, out var id) == true ? FindingKey.Of(id) : defaultKey;

        // An instance holds its place among the concurrent ones until its isolation path is served; the rest of its work
        // goes on outside, so work that waits for every instance's isolation never keeps the next instance from starting.
        await Parallel.ForEachAsync(
            Enumerable.Range(0, instances.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrentInstances), CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var instance = instances[index];
                responses[index] = RespondGuardedAsync(instance, request, KeyFor(instance), startedAt, groups, channels, acls, first, ct);
                await Task.WhenAny(responses[index], first.WhenServed(instance));
            });
        var results = await Task.WhenAll(responses);

        // Instances a claim went to another delivery are left out: this response did nothing to them.
        var kept = results.OfType<InstanceResult>().ToArray();
        return new ContainmentReport(reportId, request.FindingId, request.Actions, request.DryRun, startedAt, time.GetUtcNow(), Overall(kept), kept)
        {
            Deferred = first.Summary(),
        };
    }

    private static IInstanceContainment Bounded(IInstanceContainment containment, ContainmentRequest request) =>
        request.Deadline is { } deadline ? containment.Until(deadline) : containment;

    /// <summary>
    /// Instances whose saved state holds network ACL entries but which are terminated or gone: their entries deny
    /// addresses EC2 gives to other instances. Release removes them (<see cref="Steps.ReleaseStep.ForgetAsync"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">No ledger: tag-kept state cannot be listed.</exception>
    public async Task<IReadOnlyList<OrphanedAclEntries>> FindOrphanedAclEntriesAsync(CancellationToken cancellationToken)
    {
        if (stateStore is null)
        {
            throw new InvalidOperationException("listing needs the ledger (LEDGER_TABLE_NAME): state kept in tags cannot be listed");
        }

        var candidates = new List<(InstanceReference Instance, PreIsolationState State)>();
        await foreach (var saved in stateStore.ListAsync(cancellationToken))
        {
            // A released state's entries were removed by its release.
            if (saved.State is { IsReleased: false, AclEntries.Count: > 0 })
            {
                candidates.Add(saved);
            }
        }

        // Looked up together, as many at once as a response contains.
        var found = new OrphanedAclEntries?[candidates.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, candidates.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrentInstances), CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var (instance, state) = candidates[index];
                var description = await ec2.ForFinding(state.FindingId).DescribeInstanceAsync(instance, ct);
                found[index] = description is null || description.IsGone
                    ? new OrphanedAclEntries(instance, description?.State ?? "not found", state.FindingId, state.AclEntries!)
                    : null;
            });

        return [.. found.OfType<OrphanedAclEntries>()];
    }

    /// <summary>An unexpected error on one instance is reported as that instance's failure; the others go on.</summary>
    private async Task<InstanceResult?> RespondGuardedAsync(
        InstanceReference instance, ContainmentRequest request, string findingKey, DateTimeOffset now, QuarantineGroupResolver groups, ForensicChannels channels, SharedNetworkAcls acls, ContainmentFirstGate first, CancellationToken cancellationToken)
    {
        try
        {
            return await RespondAsync(instance, request, findingKey, now, groups, channels, acls, first, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var reason = $"unexpected {e.GetType().Name}: {e.Message}";
            var step = new StepResult(null, StepName.InternalError, null, StepOutcome.Failed, reason, null, 0);
            return new InstanceResult(instance, null, StepOutcome.Failed, reason, [step]);
        }
        finally
        {
            first.Served(instance);
        }
    }

    private async Task<InstanceResult?> RespondAsync(
        InstanceReference instance, ContainmentRequest request, string findingKey, DateTimeOffset now, QuarantineGroupResolver groups, ForensicChannels channels, SharedNetworkAcls acls, ContainmentFirstGate first, CancellationToken cancellationToken)
    {
        var log = new StepLog(time);
        if (request.Deadline is { } deadline && time.GetUtcNow() >= deadline.At)
        {
            // Its turn came too late: nothing called, and the failure makes Lambda's retry resume with it — unless
            // another delivery holds it, whose instance it then is to report.
            if (request.ProceedWhen is { } proceedLate && !await proceedLate(instance))
            {
                return null;
            }

            var why = ec2.AreRequestTokensScarce(AwsScope.Of(instance)) ? "throttled" : "the response's time ran out";
            log.Fail(null, StepName.Lookup, null, $"not reached in time: {why}; EC2 calls stop at {deadline.At:HH:mm:ss} to report before the function's timeout, and Lambda's retry resumes here", ResponseDeadline.NotReachedInTime);
            return Result(instance, null, log, null);
        }

        var findingEc2 = Bounded(ec2.ForFinding(findingKey), request);
        var findingFleet = fleet?.ForFinding(findingKey);
        var findingRoles = roles?.ForFinding(findingKey);
        if (request.FindingAccountByInstance?.TryGetValue(instance, out var findingAccount) == true && findingAccount != instance.Account)
        {
            return Skipped(instance, null, log,
                $"refused: the instance is in account {instance.Account} but its finding is from account {findingAccount}; a finding names only its own account's instances, so nothing was called");
        }

        if (options.AllowedAccounts.Count > 0 && !options.AllowedAccounts.Contains(instance.Account))
        {
            return Skipped(instance, null, log, $"account {instance.Account} is not in ALLOWED_ACCOUNTS; nothing was called");
        }

        Task<FleetView>? fleetView = null;
        if (request.Actions.Contains(ContainmentAction.Isolate))
        {
            groups.Prefetch(AwsScope.Of(instance));

            // Alongside the lookup, so taking the instance out of service does not lengthen isolation's critical path.
            fleetView = findingFleet is null ? null : FleetView.DescribeAsync(findingFleet, instance, cancellationToken);
        }

        InstanceDescription? description = null;
        var found = await log.RunAsync(null, StepName.Lookup, null, dryRun: false, async () =>
        {
            description = await findingEc2.DescribeInstanceAsync(instance, cancellationToken);
            return description is null ? null : $"{description.State}, {description.NetworkInterfaces.Count} ENI(s), {description.VolumeIds.Count} volume(s)";
        });

        if (request.ProceedWhen is { } proceed && !await proceed(instance))
        {
            return null;
        }

        if (!found)
        {
            return Result(instance, null, log, "the instance could not be looked up");
        }

        if (request.OnlyIfTerminated && description is not null && description.State != "terminated")
        {
            // An event is anyone's to send who may invoke the function; EC2's own answer is the authority.
            var refusal = $"refused: the event says {instance.InstanceId} was terminated, but EC2 says it is {description.State}; nothing changed"
                + (description.State == "shutting-down" ? " (it is on its way: a retry acts once EC2 says terminated)" : " - a termination event for an instance that is not terminated is forged or mistaken; check who invoked the function");
            log.Record(new StepResult(ContainmentAction.Release, StepName.CheckTerminated, null, description.State == "shutting-down" ? StepOutcome.Failed : StepOutcome.Skipped, refusal, ContainmentRequest.NotTerminated, 0));
            return Result(instance, description.Name, log, refusal);
        }

        if ((description is null || description.IsGone) && request.Actions.Contains(ContainmentAction.Release) && (stateStore is not null || description is not null))
        {
            // A terminated instance cannot be restored, but its network ACL entries would outlive it and deny whoever
            // gets its addresses next: they go, and its saved state is marked released.
            var gone = description ?? InstanceDescription.Gone(instance.InstanceId.Value);
            var forgetting = new InstanceContext(instance, gone, findingKey, request.DryRun, log, now);
            await new ReleaseStep(findingEc2, stateStore, findingFleet, Sessions(findingRoles), options.Evidence, options.RevokedCredentialLifetime).ForgetAsync(forgetting, cancellationToken);
            return Result(instance, gone.Name, log, null);
        }

        if (description is null)
        {
            return Skipped(instance, null, log, "instance not found");
        }

        if (description.IsGone)
        {
            return Skipped(instance, description.Name, log, $"instance is {description.State}");
        }

        if (description.Tags.TryGetValue(options.ExemptTagKey, out var exempt) && exempt.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return Skipped(instance, description.Name, log, $"exempt: tagged {options.ExemptTagKey}=true");
        }

        var context = new InstanceContext(instance, description, findingKey, request.DryRun, log, now)
        {
            RestoreMembership = request.RestoreMembership || options.ReleaseRestoresMembership,
            ReleaseOnlyForIsolatingFinding = request.ReleaseOnlyForIsolatingFinding,
            DenyInNetworkAcls = request.DenyInNetworkAcls,
            ContainmentFirst = first,
            Deadline = request.Deadline,
        };
        await RunActionsAsync(findingEc2, findingFleet, findingRoles, context, request, groups, channels, acls, fleetView, cancellationToken);
        return Result(instance, description.Name, log, null);
    }

    /// <summary>
    /// Isolation and snapshot start together (the snapshot's point in time is its request); stop and release follow in
    /// request order. Evidence collection runs before isolation when the rule gives it time to
    /// (<see cref="ContainmentRequest.EvidenceFirst"/>); otherwise isolation goes first and cuts the agent off, so the
    /// collection is reported as having no channel. Alone, it runs as asked.
    /// </summary>
    private async Task RunActionsAsync(
        IInstanceContainment ec2, IFleetMembership? fleet, IInstanceRolePolicies? roles, InstanceContext context, ContainmentRequest request, QuarantineGroupResolver groups, ForensicChannels channels, SharedNetworkAcls acls, Task<FleetView>? fleetView, CancellationToken cancellationToken)
    {
        var actions = request.Actions;
        ForensicWindow? forensic = null;
        if (actions.Contains(ContainmentAction.Collect))
        {
            if (evidence is null || options.Evidence.Bucket is null)
            {
                context.Log.Skip(ContainmentAction.Collect, StepName.Collect, null, "not configured: no evidence bucket (EVIDENCE_BUCKET_NAME)");
            }
            else if (!actions.Contains(ContainmentAction.Isolate) && !context.DryRun && await IsolationGroupsOfAsync(groups, channels, context) is { } isolation)
            {
                // Isolated before (the automatic response, or an analyst): the agent is reached through the window only. A
                // window an earlier response left open (its read-back failed, it died) is closed at the end whatever happens.
                var window = new ForensicWindow(ec2, roles, channels, options.Evidence, context, ContainmentAction.Collect, groups, time);
                if (WindowLeftOpen(context, options.Evidence))
                {
                    window.MustClose(isolation);
                }

                // The document is checked before the window opens: a document someone else wrote never opens it.
                var (document, refusal) = await CollectStep.CheckDocumentAsync(evidence, options.Evidence, context, cancellationToken);
                if (refusal is not null)
                {
                    context.Log.Fail(ContainmentAction.Collect, StepName.SendCommand, options.Evidence.DocumentName,
                        $"refused, nothing sent: {refusal}; the forensic window was not opened", "EvidenceDocumentNotShipped");
                }
                else
                {
                    await window.OpenOnIsolatedAsync(isolation, cancellationToken);
                    if (window.IsOpen)
                    {
                        await new CollectStep(evidence, options.Evidence, time).RunAsync(context, null, cancellationToken, document);
                    }
                    else
                    {
                        context.Log.Skip(ContainmentAction.Collect, StepName.Collect, null, $"no forensic channel: {window.WhyNotOpen}; the instance is isolated, so its SSM agent cannot be reached");
                    }
                }

                await window.CloseAsync(cancellationToken);
            }
            else if (!actions.Contains(ContainmentAction.Isolate) || request.EvidenceFirst is not null || context.DryRun)
            {
                await new CollectStep(evidence, options.Evidence, time).RunAsync(context, request.EvidenceFirst, cancellationToken);
            }
            else
            {
                // After isolation, through the VPC's endpoints when it has them (the window); without them, snapshots only.
                forensic = new ForensicWindow(ec2, roles, channels, options.Evidence, context, quarantineGroups: groups, time: time);
            }
        }

        var first = new List<Task>();
        if (ContainmentActionNames.Conflict(actions) is { } conflict)
        {
            // The parsers refuse this already; a request built another way is refused here, before any change.
            context.Log.Fail(ContainmentAction.RevokeSessions, StepName.RevokeSessions, null, $"refused: {conflict}", "InvalidRequest");
        }

        if (actions.Contains(ContainmentAction.Isolate))
        {
            var revoke = actions.Contains(ContainmentAction.RevokeSessions) ? Sessions(roles) : null;
            first.Add(new IsolateStep(ec2, stateStore, groups, context.DenyInNetworkAcls is { } deny ? options with { DenyInNetworkAcls = deny } : options, acls, fleetView, revoke, forensic).RunAsync(context, cancellationToken));
        }

        if (actions.Contains(ContainmentAction.Snapshot))
        {
            first.Add(new SnapshotStep(ec2, evidence, options.Evidence).RunAsync(context, cancellationToken));
        }

        await Task.WhenAll(first);
        if (actions.Contains(ContainmentAction.Isolate) && !context.DryRun && (forensic is null || !forensic.IsOpen)
            && context.Description.ProfileAssociation?.ProfileArn == options.Evidence.QuarantineProfileArn(context.Instance))
        {
            // Isolating again an instance an earlier window was left open on (the quarantine profile still there): the
            // isolation cut its credentials; those it fetched through that window are denied as the window's close would.
            await new ForensicWindow(ec2, roles, channels, options.Evidence, context, quarantineGroups: groups, time: time).DenyWindowCredentialsAsync(cancellationToken);
        }

        if (forensic is not null)
        {
            if (forensic.IsOpen)
            {
                await new CollectStep(evidence!, options.Evidence, time).RunAsync(context, null, cancellationToken);
            }
            else
            {
                context.Log.Skip(ContainmentAction.Collect, StepName.Collect, null, $"no forensic channel: {forensic.WhyNotOpen}; snapshots only");
            }

            await forensic.CloseAsync(cancellationToken);
        }

        foreach (var action in actions.Distinct())
        {
            if (action == ContainmentAction.Stop)
            {
                await new StopStep(ec2).RunAsync(context, cancellationToken);
            }
            else if (action == ContainmentAction.Release)
            {
                await new ReleaseStep(ec2, stateStore, fleet, Sessions(roles), options.Evidence, options.RevokedCredentialLifetime).RunAsync(context, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Each ENI's isolation group when every ENI is only in its VPC's isolation group — the ledger's recorded group, or
    /// without a ledger the one found by name and usable as it is — or, a window an earlier response left open, in it and
    /// the VPC's forensic group (recorded, or without a ledger the channel's); otherwise null.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, string>?> IsolationGroupsOfAsync(QuarantineGroupResolver groups, ForensicChannels channels, InstanceContext context)
    {
        var interfaces = context.Description.NetworkInterfaces;
        if (interfaces.Count == 0 || interfaces.Any(n => n.GroupIds.Count is not (1 or 2)))
        {
            return null;
        }

        var scope = AwsScope.Of(context.Instance);
        var recorded = groups.HasRecord ? await groups.RecordedAsync(scope) : null;
        var isolation = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var eni in interfaces)
        {
            string? isolationId;
            if (recorded is not null)
            {
                isolationId = eni.GroupIds.FirstOrDefault(id => recorded.Any(g => g.GroupId == id && g.VpcId == eni.VpcId && g.Role == QuarantineGroupRole.Isolation));
            }
            else if (eni.GroupIds.Count == 2 && !eni.GroupNames.Any(n => n.StartsWith(QuarantineGroupResolver.NamePrefix, StringComparison.Ordinal)))
            {
                // Without a ledger the groups are looked up (and made) by the resolver: not for an instance in two groups of its own.
                return null;
            }
            else
            {
                var vpcIsolation = (await groups.GetAsync(scope, eni.VpcId)).IsolationGroupId;
                isolationId = vpcIsolation is not null && eni.GroupIds.Contains(vpcIsolation) ? vpcIsolation : null;
            }

            if (isolationId is null)
            {
                return null;
            }

            if (eni.GroupIds.Count == 2)
            {
                var other = eni.GroupIds.First(id => id != isolationId);
                var isForensic = recorded is not null
                    ? recorded.Any(g => g.GroupId == other && g.VpcId == eni.VpcId && g.Role == QuarantineGroupRole.Forensic)
                    : (await channels.GetAsync(scope, eni.VpcId)).GroupId == other;
                if (!isForensic)
                {
                    return null;
                }
            }

            isolation[eni.NetworkInterfaceId] = isolationId;
        }

        return isolation;
    }

    /// <summary>What an earlier window leaves when its close did not run: the forensic group on an ENI, the quarantine profile, the metadata endpoint on.</summary>
    private static bool WindowLeftOpen(InstanceContext context, EvidenceOptions evidence)
    {
        var description = context.Description;
        return description.NetworkInterfaces.Any(n => n.GroupIds.Count > 1)
            || description.ProfileAssociation?.ProfileArn == evidence.QuarantineProfileArn(context.Instance)
            || !description.MetadataOptions.IsEndpointDisabled;
    }

    private RevokeSessionsStep? Sessions(IInstanceRolePolicies? findingRoles) => findingRoles is null ? null : new RevokeSessionsStep(findingRoles, options, time);

    private static InstanceResult Skipped(InstanceReference instance, string? name, StepLog log, string reason)
    {
        log.Skip(null, StepName.Skip, null, reason);
        return new InstanceResult(instance, name, StepOutcome.Skipped, reason, log.Steps);
    }

    private static InstanceResult Result(InstanceReference instance, string? name, StepLog log, string? reason)
    {
        var steps = log.Steps;
        var outcome = StepOutcomes.OfInstance(steps);
        reason ??= outcome switch
        {
            StepOutcome.Failed => string.Join("; ", steps.Where(s => s.Outcome == StepOutcome.Failed).Select(s => $"{s.Step}{(s.Target is null ? "" : " " + s.Target)}: {s.Detail}")),
            StepOutcome.Skipped => string.Join("; ", steps.Where(s => s.Outcome == StepOutcome.Skipped).Select(s => s.Detail)),
            _ => null,
        };
        return new InstanceResult(instance, name, outcome, reason, steps);
    }

    private static StepOutcome Overall(InstanceResult[] results) => StepOutcomes.Combine(results.Select(r => r.Outcome));
}
