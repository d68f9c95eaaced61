using System.Collections.Concurrent;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Each VPC's forensic channel and group, looked up and made ready once per response however many instances of that
/// VPC it collects from (like <see cref="Groups.QuarantineGroupResolver"/> for the quarantine groups).
/// </summary>
internal sealed class ForensicChannels(IInstanceContainment ec2, Groups.QuarantineGroupResolver groups, TimeProvider time, CancellationToken cancellationToken, EvidenceOptions? options = null)
{
    private readonly ConcurrentDictionary<(AwsScope Scope, string VpcId), Lazy<Task<VpcForensicGroup>>> _ready = new();
    private readonly ConcurrentDictionary<(AwsScope Scope, string SubnetId), Lazy<Task<string?>>> _routes = new();

    public Task<VpcForensicGroup> GetAsync(AwsScope scope, string vpcId) =>
        _ready.GetOrAdd((scope, vpcId), key => new Lazy<Task<VpcForensicGroup>>(() => PrepareAsync(key.Scope, key.VpcId))).Value;

    private async Task<VpcForensicGroup> PrepareAsync(AwsScope scope, string vpcId)
    {
        var started = time.GetTimestamp();
        try
        {
            var lookup = await ec2.FindForensicChannelAsync(scope, vpcId, cancellationToken);
            if (lookup.Channel is not { } channel)
            {
                return new VpcForensicGroup(null, lookup.Missing ?? $"no endpoints for Systems Manager and S3 in {vpcId}", null, null);
            }

            // Before anything is made: a channel through endpoints that do not confine it is no channel.
            if (PolicyProblem(scope, channel) is { } refused)
            {
                // Like a VPC without the endpoints: plain isolation, and the collection skipped saying why.
                return new VpcForensicGroup(null, refused, null, null);
            }

            // Only the recorded forensic group is ours to rewrite; a new one is recorded before any ENI uses it.
            var recorded = (await groups.RecordedAsync(scope)).FirstOrDefault(g => g.VpcId == vpcId && g.Role == Groups.QuarantineGroupRole.Forensic)?.GroupId;
            var group = await ec2.EnsureForensicGroupAsync(scope, channel, recorded, dryRun: false, cancellationToken);
            if (group is not null && group.GroupId != recorded)
            {
                var winner = await groups.RecordAsync(scope, vpcId, Groups.QuarantineGroupRole.Forensic, group.GroupId, recorded);
                if (winner != group.GroupId)
                {
                    // Another response recorded its forensic group first: that one is the VPC's, made exact here too.
                    group = await ec2.EnsureForensicGroupAsync(scope, channel, winner, dryRun: false, cancellationToken);
                }
            }

            return group is null
                ? new VpcForensicGroup(null, $"the forensic group of {vpcId} could not be made", null, channel)
                : new VpcForensicGroup(group.GroupId, null, Result(StepOutcome.Succeeded, $"{group.GroupId} ({group.Note}): only TCP 443 out, to {channel.Summary}", null), channel);
        }
        catch (AwsOperationException e)
        {
            return new VpcForensicGroup(null, $"the forensic group of {vpcId} failed: {e.Message}", Result(StepOutcome.Failed, e.Message, e.ErrorCode), null);
        }

        StepResult Result(StepOutcome outcome, string detail, string? errorCode) =>
            new(ContainmentAction.Collect, StepName.ForensicChannel, vpcId, outcome, detail, errorCode, (long)time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Why the channel's endpoints' policies do not confine the window; null when every one does.</summary>
    private string? PolicyProblem(AwsScope scope, ForensicChannel channel)
    {
        if (options?.Bucket is not { } bucket)
        {
            return $"no evidence bucket to confine the S3 endpoints of {channel.VpcId} to";
        }

        if (channel.Endpoints.Count == 0)
        {
            return $"the endpoints' policies of {channel.VpcId} were not read";
        }

        var problems = channel.Endpoints
            .Select(e => (Endpoint: e, Problem: ForensicEndpointPolicy.ProblemOf(e.Service, e.PolicyDocument, new WindowConfinement(scope.Region, bucket, scope.Account, options.OrganizationId))))
            .Where(p => p.Problem is not null)
            .Select(p => $"{p.Endpoint.EndpointId} ({p.Endpoint.Service}): {p.Problem}")
            .ToList();
        return problems.Count == 0 ? null
            : $"refused: the endpoints of {channel.VpcId} do not confine the forensic window — {string.Join("; ", problems)}. Apply the policies in {ForensicEndpointPolicy.Template} "
              + $"(S3: only s3://{bucket}; Systems Manager: only account {scope.Account}'s principals{(options.OrganizationId is { } org ? $" or organisation {org}'s" : "")})";
    }

    /// <summary>
    /// Why an ENI of <paramref name="subnetId"/> must not get the channel; null when it may. S3 reached only through a
    /// gateway endpoint needs the endpoint on the subnet's route table: otherwise TCP 443 to S3's prefix list goes out
    /// through the subnet's NAT or internet gateway, around the endpoint and its policy. Unreadable routes: no channel.
    /// </summary>
    public Task<string?> RouteProblemAsync(AwsScope scope, ForensicChannel channel, string? subnetId)
    {
        if (channel.GatewayRouteTableIds.Count == 0)
        {
            return Task.FromResult<string?>(null);
        }

        if (subnetId is null)
        {
            return Task.FromResult<string?>("the ENI's subnet is unknown, so the S3 gateway endpoint's route cannot be checked");
        }

        return _routes.GetOrAdd((scope, subnetId), key => new Lazy<Task<string?>>(async () =>
        {
            try
            {
                var table = await ec2.FindSubnetRouteTableAsync(key.Scope, channel.VpcId, key.SubnetId, cancellationToken);
                return table is not null && channel.GatewayRouteTableIds.Contains(table, StringComparer.Ordinal)
                    ? null
                    : $"the S3 gateway endpoint is not on the route table {table ?? "(none)"} of {key.SubnetId}: S3 would be reached around the endpoint and its policy";
            }
            catch (AwsOperationException e)
            {
                return $"the route table of {key.SubnetId} could not be read ({e.ErrorCode}), so the S3 gateway endpoint's route cannot be checked";
            }
        })).Value;
    }
}

/// <summary>A VPC's forensic group, ready to go on its ENIs next to the isolation group; or why there is none.</summary>
/// <param name="Step">What making it ready did, for each instance's report; null when there was nothing to make (no channel).</param>
/// <param name="Channel">The channel the group lets through; null when there is none.</param>
internal sealed record VpcForensicGroup(string? GroupId, string? Missing, StepResult? Step, ForensicChannel? Channel);
