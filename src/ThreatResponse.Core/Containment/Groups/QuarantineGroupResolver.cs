using System.Collections.Concurrent;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Groups;

/// <summary>
/// Each VPC's conversion and isolation groups, made ready once per response however many instances of that VPC it
/// isolates. A group is ours only by the ledger's record (<see cref="IQuarantineGroupRegistry"/>): a group ThreatResponse
/// did not create is never modified and never put on an ENI, whatever its name, tags or rules, and a name someone else
/// took never blocks isolation (ours is created under another name and recorded). Only recorded groups are repaired;
/// one that cannot be is replaced by a new one. The record is read alongside the instance lookups, and the recorded
/// groups described alongside the state's save, so with the groups in place they cost no round trip of their own.
/// Without a ledger (the CLI's tag-kept mode) nothing can prove a group ours across runs: a group found by exact name is
/// used only as it is — rules exactly as required, used by no instance but isolated ones and this request's — and
/// otherwise a new one is created; none is ever modified.
/// </summary>
internal sealed class QuarantineGroupResolver(IInstanceContainment ec2, IQuarantineGroupRegistry? registry, ContainmentRun run, CancellationToken cancellationToken)
{
    private readonly HashSet<string> _requestInstanceIds = [.. run.Instances.Select(i => i.InstanceId.Value)];
    private readonly TimeProvider _time = run.Time;
    private readonly bool _dryRun = run.DryRun;

    /// <summary>The prefix of every name ThreatResponse gives its groups (the exact name, or the name and a suffix when the name was taken).</summary>
    public const string NamePrefix = "threat-response-";

    private readonly ConcurrentDictionary<AwsScope, Lazy<Task<IReadOnlyList<RecordedQuarantineGroup>>>> _recorded = new();
    private readonly ConcurrentDictionary<AwsScope, Lazy<Task<IReadOnlyList<NamedQuarantineGroup>>>> _named = new();
    private readonly ConcurrentDictionary<(AwsScope Scope, string VpcId), Lazy<Task<VpcQuarantineGroups>>> _ready = new();

    /// <summary>Whether groups are proven ours by the ledger's record; false in the tag-kept mode.</summary>
    public bool HasRecord => registry is not null;

    /// <summary>Starts reading the record (without a ledger: the lookup by name) for the scope without waiting for it.</summary>
    public void Prefetch(AwsScope scope)
    {
        if (registry is null)
        {
            _ = Named(scope);
        }
        else
        {
            _ = Recorded(scope);
        }
    }

    /// <summary>
    /// The groups the ledger records as ours in the scope, any role; empty without a ledger or when the record could
    /// not be read (the VPC's groups then fail as a step of their own).
    /// </summary>
    public async Task<IReadOnlyList<RecordedQuarantineGroup>> RecordedAsync(AwsScope scope)
    {
        try
        {
            return await Recorded(scope);
        }
        catch (AwsOperationException)
        {
            return [];
        }
    }

    public Task<VpcQuarantineGroups> GetAsync(AwsScope scope, string vpcId) =>
        _ready.GetOrAdd((scope, vpcId), key => new Lazy<Task<VpcQuarantineGroups>>(() => PrepareAsync(key.Scope, key.VpcId))).Value;

    /// <summary>Records a group ThreatResponse just created (the forensic group's owner calls this too); returns the group recorded.</summary>
    public Task<string> RecordAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, string groupId, string? replacing) =>
        registry is null ? Task.FromResult(groupId) : registry.RecordAsync(scope, new RecordedQuarantineGroup(vpcId, role, groupId), replacing, cancellationToken);

    private Task<IReadOnlyList<RecordedQuarantineGroup>> Recorded(AwsScope scope) =>
        registry is null
            ? Task.FromResult<IReadOnlyList<RecordedQuarantineGroup>>([])
            : _recorded.GetOrAdd(scope, s => new Lazy<Task<IReadOnlyList<RecordedQuarantineGroup>>>(async () => await registry.ListAsync(s, cancellationToken))).Value;

    private Task<IReadOnlyList<NamedQuarantineGroup>> Named(AwsScope scope) =>
        _named.GetOrAdd(scope, s => new Lazy<Task<IReadOnlyList<NamedQuarantineGroup>>>(async () => await ec2.FindQuarantineGroupsByNameAsync(s, cancellationToken))).Value;

    private async Task<VpcQuarantineGroups> PrepareAsync(AwsScope scope, string vpcId)
    {
        var started = _time.GetTimestamp();
        Task<(string? GroupId, string Note)> conversion, isolation;
        try
        {
            if (registry is null)
            {
                var named = (await Named(scope)).Where(n => n.Group.VpcId == vpcId).ToList();
                conversion = ByNameAsync(scope, vpcId, QuarantineGroupRole.Conversion, named);
                isolation = ByNameAsync(scope, vpcId, QuarantineGroupRole.Isolation, named);
            }
            else
            {
                // A record that cannot be read never means no isolation: groups this response creates are provably ours.
                var unreadable = "";
                IReadOnlyList<RecordedQuarantineGroup> all;
                try
                {
                    all = await Recorded(scope);
                }
                catch (AwsOperationException e)
                {
                    all = [];
                    unreadable = $" (the record could not be read: {e.ErrorCode}; new groups made for this response)";
                }

                var recorded = all.Where(r => r.VpcId == vpcId && r.Role != QuarantineGroupRole.Forensic).ToList();
                var described = recorded.Count == 0 ? [] : await ec2.DescribeQuarantineGroupsAsync(scope, recorded, cancellationToken);
                conversion = Noted(RecordedAsync(scope, vpcId, QuarantineGroupRole.Conversion, recorded.Find(r => r.Role == QuarantineGroupRole.Conversion), described), unreadable);
                isolation = Noted(RecordedAsync(scope, vpcId, QuarantineGroupRole.Isolation, recorded.Find(r => r.Role == QuarantineGroupRole.Isolation), described), unreadable);
            }
        }
        catch (AwsOperationException e)
        {
            return new VpcQuarantineGroups(null, null, Result(StepOutcome.Failed, e.Message, e.ErrorCode, started));
        }

        // Each role on its own: a conversion group that cannot be made ready still leaves the isolation group to use.
        var (conversionId, conversionNote, conversionError) = await Guarded(conversion);
        var (isolationId, isolationNote, isolationError) = await Guarded(isolation);
        var detail = $"conversion {conversionNote}; isolation {isolationNote}";
        var error = isolationError ?? conversionError;
        var outcome = error is not null ? StepOutcome.Failed
            : _dryRun && (conversionId is null || isolationId is null) ? StepOutcome.DryRun
            : StepOutcome.Succeeded;
        return new VpcQuarantineGroups(conversionId, isolationId, Result(outcome, detail, error, started));

        StepResult Result(StepOutcome outcome, string detail, string? errorCode, long since) =>
            new(ContainmentAction.Isolate, StepName.QuarantineGroups, vpcId, outcome, detail, errorCode, (long)_time.GetElapsedTime(since).TotalMilliseconds);

        static async Task<(string? GroupId, string Note)> Noted(Task<(string? GroupId, string Note)> prepared, string note)
        {
            var (id, text) = await prepared;
            return (id, text + note);
        }

        static async Task<(string? GroupId, string Note, string? ErrorCode)> Guarded(Task<(string? GroupId, string Note)> prepared)
        {
            try
            {
                var (id, note) = await prepared;
                return (id, note, null);
            }
            catch (AwsOperationException e)
            {
                return (null, $"failed: {e.Message}", e.ErrorCode);
            }
        }
    }

    private async Task<(string? GroupId, string Note)> RecordedAsync(
        AwsScope scope, string vpcId, QuarantineGroupRole role, RecordedQuarantineGroup? recorded, IReadOnlyList<QuarantineGroup> described)
    {
        var current = recorded is null ? null : described.FirstOrDefault(g => g.GroupId == recorded.GroupId);
        var why = recorded is null ? "" : $" (the recorded {recorded.GroupId} is gone)";
        if (current is { RulesAsRequired: true })
        {
            return (current.GroupId, $"{current.GroupId} (recorded)");
        }

        if (current is not null)
        {
            // Someone changed our group, or its creation was cut short: it cannot be trusted until its rules are reset.
            if (_dryRun)
            {
                return (current.GroupId, $"{current.GroupId} would be repaired (its rules were changed)");
            }

            try
            {
                await ec2.SetQuarantineGroupRulesAsync(scope, current.GroupId, role, freshlyCreated: false, cancellationToken);
                return (current.GroupId, $"{current.GroupId} (recorded, rules repaired)");
            }
            catch (AwsOperationException e)
            {
                // A group that cannot be repaired must never mean no isolation: a new one takes its place.
                why = $" ({current.GroupId} could not be repaired: {e.Message})";
            }
        }

        var created = await ec2.CreateQuarantineGroupAsync(scope, vpcId, role, _dryRun, cancellationToken);
        if (created is null)
        {
            return (null, "would be created" + why);
        }

        // Recorded before any ENI uses it, alongside its rules: a death after either leaves a group the next response
        // finds in the record and repairs.
        var rules = ec2.SetQuarantineGroupRulesAsync(scope, created, role, freshlyCreated: true, cancellationToken);
        string winner;
        try
        {
            winner = await RecordAsync(scope, vpcId, role, created, recorded?.GroupId);
        }
        catch (AwsOperationException e)
        {
            // Not recorded (the ledger failed): still ours, this response made it. The next response records its own.
            await rules;
            return (created, $"{created} (created; not recorded: {e.ErrorCode}){why}");
        }

        await rules;
        if (winner == created)
        {
            return (created, $"{created} (created and recorded){why}");
        }

        // Another response recorded its group first: that is the VPC's group (ours is left unused). Its creator may
        // still be giving it its rules, so they are checked and, if need be, made right here too; if they cannot be,
        // the group this response made serves it.
        try
        {
            if (await ec2.DescribeQuarantineGroupsAsync(scope, [new RecordedQuarantineGroup(vpcId, role, winner)], cancellationToken) is [var theirs, ..])
            {
                if (!theirs.RulesAsRequired)
                {
                    await ec2.SetQuarantineGroupRulesAsync(scope, winner, role, freshlyCreated: false, cancellationToken);
                }

                return (winner, $"{winner} (recorded by another response a moment ago; {created} left unused)");
            }
        }
        catch (AwsOperationException)
        {
            // Falls through to the group this response made.
        }

        return (created, $"{created} (created; {winner}, recorded by another response, is not usable now)");
    }

    private async Task<(string? GroupId, string Note)> ByNameAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, IReadOnlyList<NamedQuarantineGroup> named)
    {
        var found = named.FirstOrDefault(n => n.Group.Role == role);
        var others = found?.UsedByOthers.Where(u => !_requestInstanceIds.Contains(u)).ToList() ?? [];
        if (found is { Group.RulesAsRequired: true } && others.Count == 0)
        {
            return (found.Group.GroupId, $"{found.Group.GroupId} (found by name, rules as required, used by no other instance)");
        }

        // Never repaired, never shared: without a ledger nothing shows the group is ours.
        var why = found is null ? ""
            : !found.Group.RulesAsRequired ? $" ({found.Group.GroupId} has our name but other rules: not used)"
            : $" ({found.Group.GroupId} has our name but {string.Join(", ", others)} use it: not used)";
        var created = await ec2.CreateQuarantineGroupAsync(scope, vpcId, role, _dryRun, cancellationToken);
        if (created is null)
        {
            return (null, "would be created" + why);
        }

        await ec2.SetQuarantineGroupRulesAsync(scope, created, role, freshlyCreated: true, cancellationToken);
        return (created, $"{created} (created){why}");
    }
}

/// <summary>A VPC's quarantine groups, ready to apply (ids null when they could not be made ready, or in a dry run before they exist).</summary>
internal sealed record VpcQuarantineGroups(string? ConversionGroupId, string? IsolationGroupId, StepResult Step);
