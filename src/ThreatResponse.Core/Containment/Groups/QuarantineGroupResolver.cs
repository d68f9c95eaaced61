using System.Collections.Concurrent;

namespace ThreatResponse.Core.Containment.Groups;

/// <summary>
/// Finds, and creates on first use, each VPC's conversion and isolation groups — once per response, however many
/// instances of that VPC it isolates. The lookup by tag starts alongside the instance lookups, so with the groups in
/// place it costs no round trip of its own.
/// </summary>
internal sealed class QuarantineGroupResolver(IInstanceContainment ec2, TimeProvider time, bool dryRun, CancellationToken cancellationToken)
{
    private readonly ConcurrentDictionary<AwsScope, Lazy<Task<IReadOnlyList<QuarantineGroup>>>> _found = new();
    private readonly ConcurrentDictionary<(AwsScope Scope, string VpcId), Lazy<Task<VpcQuarantineGroups>>> _ready = new();

    /// <summary>Starts the tag lookup for the scope without waiting for it.</summary>
    public void Prefetch(AwsScope scope) => _ = Found(scope);

    /// <summary>The names ThreatResponse gives its groups; one name per VPC, since EC2 keeps group names unique there.</summary>
    public static bool IsQuarantineGroupName(string name) => name is "threat-response-isolation" or "threat-response-conversion" or "threat-response-forensic";

    /// <summary>Every group found by tag in the scope, whatever its rules; empty when the lookup failed (the VPC's groups then fail as a step of their own).</summary>
    public async Task<IReadOnlyList<QuarantineGroup>> FoundAsync(AwsScope scope)
    {
        try
        {
            return await Found(scope);
        }
        catch (AwsOperationException)
        {
            return [];
        }
    }

    public Task<VpcQuarantineGroups> GetAsync(AwsScope scope, string vpcId) =>
        _ready.GetOrAdd((scope, vpcId), key => new Lazy<Task<VpcQuarantineGroups>>(() => PrepareAsync(key.Scope, key.VpcId))).Value;

    private Task<IReadOnlyList<QuarantineGroup>> Found(AwsScope scope) =>
        _found.GetOrAdd(scope, s => new Lazy<Task<IReadOnlyList<QuarantineGroup>>>(() => ec2.FindQuarantineGroupsAsync(s, cancellationToken))).Value;

    private async Task<VpcQuarantineGroups> PrepareAsync(AwsScope scope, string vpcId)
    {
        var started = time.GetTimestamp();
        try
        {
            var existing = (await Found(scope)).Where(g => g.VpcId == vpcId).OrderBy(g => g.GroupId, StringComparer.Ordinal).ToList();
            var conversion = PrepareOneAsync(scope, vpcId, QuarantineGroupRole.Conversion, existing.Find(g => g.Role == QuarantineGroupRole.Conversion));
            var isolation = PrepareOneAsync(scope, vpcId, QuarantineGroupRole.Isolation, existing.Find(g => g.Role == QuarantineGroupRole.Isolation));
            var (conversionId, conversionNote) = await conversion;
            var (isolationId, isolationNote) = await isolation;
            var detail = $"conversion {conversionNote}; isolation {isolationNote}";
            var outcome = dryRun && (conversionId is null || isolationId is null) ? StepOutcome.DryRun : StepOutcome.Succeeded;
            return new VpcQuarantineGroups(conversionId, isolationId, Result(outcome, detail, null, started));
        }
        catch (AwsOperationException e)
        {
            return new VpcQuarantineGroups(null, null, Result(StepOutcome.Failed, e.Message, e.ErrorCode, started));
        }

        StepResult Result(StepOutcome outcome, string detail, string? errorCode, long since) =>
            new(ContainmentAction.Isolate, "quarantine-groups", vpcId, outcome, detail, errorCode, (long)time.GetElapsedTime(since).TotalMilliseconds);
    }

    private async Task<(string? GroupId, string Note)> PrepareOneAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, QuarantineGroup? existing)
    {
        if (existing is { RulesAsRequired: true })
        {
            return (existing.GroupId, $"{existing.GroupId} (existing)");
        }

        if (existing is not null)
        {
            // Someone changed the group, or its creation was cut short: it cannot be trusted until its rules are reset.
            if (dryRun)
            {
                return (existing.GroupId, $"{existing.GroupId} would be repaired (its rules were changed)");
            }

            await ec2.SetQuarantineGroupRulesAsync(scope, existing.GroupId, role, freshlyCreated: false, cancellationToken);
            return (existing.GroupId, $"{existing.GroupId} (rules repaired)");
        }

        var created = await ec2.CreateQuarantineGroupAsync(scope, vpcId, role, dryRun, cancellationToken);
        if (created is null)
        {
            return (null, "would be created");
        }

        // An adopted group was made by someone else, maybe with rules that let traffic through: verified and repaired.
        await ec2.SetQuarantineGroupRulesAsync(scope, created.GroupId, role, freshlyCreated: !created.Adopted, cancellationToken);
        return (created.GroupId, created.Adopted ? $"{created.GroupId} (adopted by name, rules verified)" : $"{created.GroupId} (created)");
    }
}

/// <summary>A VPC's quarantine groups, ready to apply (ids null when they could not be made ready, or in a dry run before they exist).</summary>
internal sealed record VpcQuarantineGroups(string? ConversionGroupId, string? IsolationGroupId, StepResult Step);
