using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment.Isolation;
using ThreatResponse.Core.Containment.NetworkAcls;
using ThreatResponse.Core.Containment.Release;
using ThreatResponse.Core.Containment.Stop;

namespace ThreatResponse.Core.Containment.Engine;

/// <summary>
/// Runs isolate (with revoke-sessions), snapshot, stop and release on the instances of a request: several instances at once (bounded by
/// <see cref="ContainmentOptions.MaxConcurrentInstances"/>), one instance's failure never stopping the others, every
/// step reported per instance. When EC2 request tokens are scarce, every instance's isolation path comes before other
/// work (<see cref="ContainmentFirstGate"/>); with a <see cref="ContainmentRequest.Deadline"/>, what is not done by then
/// is reported not reached in time.
/// </summary>
public sealed class ContainmentEngine(IInstanceContainment ec2, ContainmentOptions options, TimeProvider time, ContainmentPorts? ports = null)
{
    private readonly ContainmentEngineParts _parts = new(ec2, options, ports ?? ContainmentPorts.None, time);
    private readonly IIsolationStateStore? stateStore = ports?.StateStore;

    public async Task<ContainmentReport> RunAsync(ContainmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var run = new ContainmentRun(request, _parts, cancellationToken);
        var responses = new Task<InstanceResult?>[run.Instances.Count];

        // An instance holds its place among the concurrent ones only until its isolation path is served; the rest of its
        // work goes on outside, so work that waits for every instance's isolation never keeps the next instance from starting.
        await Parallel.ForEachAsync(
            Enumerable.Range(0, run.Instances.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrentInstances), CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                responses[index] = RespondGuardedAsync(run.Instances[index], run, ct);
                await run.First.UntilServedOrDoneAsync(run.Instances[index], responses[index]);
            });
        var results = await Task.WhenAll(responses);

        // Instances a claim went to another delivery are left out: this response did nothing to them.
        var kept = results.OfType<InstanceResult>().ToArray();
        return new ContainmentReport(run.ReportId, request.FindingId, request.Actions, request.DryRun, run.StartedAt, time.GetUtcNow(), StepOutcomes.Combine(kept.Select(r => r.Outcome)), kept)
        {
            Deferred = run.First.Summary(),
        };
    }

    /// <summary>
    /// Instances whose saved state holds network ACL entries but which are terminated or gone: their entries deny
    /// addresses EC2 gives to other instances. Release removes them (<see cref="Release.ForgetStep.ForgetAsync"/>).
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
    private async Task<InstanceResult?> RespondGuardedAsync(InstanceReference instance, ContainmentRun run, CancellationToken cancellationToken)
    {
        try
        {
            return await RespondAsync(instance, run, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var reason = $"unexpected {e.GetType().Name}: {e.Message}";
            var step = new StepResult(null, StepName.InternalError, null, StepOutcome.Failed, reason, null, 0);
            return new InstanceResult(instance, null, StepOutcome.Failed, reason, [step]);
        }
        finally
        {
            run.First.Served(instance);
        }
    }

    private async Task<InstanceResult?> RespondAsync(InstanceReference instance, ContainmentRun run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var findingKey = run.KeyFor(instance);
        var log = new StepLog(time);
        if (request.Deadline is { } deadline && time.GetUtcNow() >= deadline.At)
        {
            // Its turn came too late: nothing called, and the failure makes Lambda's retry resume with it — unless
            // another delivery holds it, whose instance it then is to report.
            if (!await run.MayChangeAsync(instance))
            {
                return null;
            }

            var why = ec2.AreRequestTokensScarce(AwsScope.Of(instance)) ? "throttled" : "the response's time ran out";
            log.Fail(null, StepName.Lookup, null, $"not reached in time: {why}; EC2 calls stop at {deadline.At:HH:mm:ss} to report before the function's timeout, and Lambda's retry resumes here", ResponseDeadline.NotReachedInTime);
            return Result(instance, null, log, null);
        }

        var roles = _parts.Ports.Roles?.ForFinding(findingKey);
        var finding = new InstancePorts(run.Bounded(ec2.ForFinding(findingKey)), _parts.Ports.Fleet?.ForFinding(findingKey), roles, Sessions(roles));
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
            run.Groups.Prefetch(AwsScope.Of(instance));

            // Alongside the lookup, so taking the instance out of service does not lengthen isolation's critical path.
            fleetView = finding.Fleet is null ? null : FleetView.DescribeAsync(finding.Fleet, instance, cancellationToken);
        }

        InstanceDescription? description = null;
        var found = await log.RunAsync(null, StepName.Lookup, null, dryRun: false, async () =>
        {
            description = await finding.Ec2.DescribeInstanceAsync(instance, cancellationToken);
            return description is null ? null : $"{description.State}, {description.NetworkInterfaces.Count} ENI(s), {description.VolumeIds.Count} volume(s)";
        });

        if (!await run.MayChangeAsync(instance))
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
            await new ForgetStep(finding.Ec2, stateStore, run.Options).ForgetAsync(new InstanceContext(instance, gone, log, run), cancellationToken);
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

        var context = new InstanceContext(instance, description, log, run);
        await RunActionsAsync(finding, context, fleetView, cancellationToken);
        return Result(instance, description.Name, log, null);
    }

    /// <summary>
    /// Isolation and snapshot start together (the snapshot's point in time is its request); stop and release follow in
    /// request order. Evidence collection is planned first (<see cref="EvidenceCollection"/>): before isolation, through
    /// a window after it, or on an instance isolated before.
    /// </summary>
    private async Task RunActionsAsync(InstancePorts finding, InstanceContext context, Task<FleetView>? fleetView, CancellationToken cancellationToken)
    {
        var actions = context.Run.Request.Actions;
        var collection = new EvidenceCollection(finding, context, _parts.Ports.Evidence);
        var forensic = actions.Contains(ContainmentAction.Collect) ? await collection.BeforeIsolationAsync(cancellationToken) : null;

        var first = new List<Task>();
        if (ContainmentActionNames.Conflict(actions) is { } conflict)
        {
            // The parsers refuse this already; a request built another way is refused here, before any change.
            context.Log.Fail(ContainmentAction.RevokeSessions, StepName.RevokeSessions, null, $"refused: {conflict}", "InvalidRequest");
        }

        if (actions.Contains(ContainmentAction.Isolate))
        {
            var alongside = new IsolationAlongside(fleetView, actions.Contains(ContainmentAction.RevokeSessions) ? finding.Sessions : null, forensic);
            first.Add(new IsolateStep(finding.Ec2, stateStore, context.Run, alongside).RunAsync(context, cancellationToken));
        }

        if (actions.Contains(ContainmentAction.Snapshot))
        {
            first.Add(new SnapshotStep(finding.Ec2, _parts.Ports.Evidence, context.Options.Evidence).RunAsync(context, cancellationToken));
        }

        await Task.WhenAll(first);
        if (actions.Contains(ContainmentAction.Isolate))
        {
            await collection.AfterIsolationAsync(forensic, cancellationToken);
        }

        foreach (var action in actions.Distinct())
        {
            if (action == ContainmentAction.Stop)
            {
                await new StopStep(finding.Ec2).RunAsync(context, cancellationToken);
            }
            else if (action == ContainmentAction.Release)
            {
                await new ReleaseStep(finding, stateStore, context.Options).RunAsync(context, cancellationToken);
            }
        }
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
}
