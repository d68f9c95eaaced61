using System.Collections.Concurrent;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Each VPC's forensic channel and group, looked up and made ready once per response however many instances of that
/// VPC it collects from (like <see cref="Groups.QuarantineGroupResolver"/> for the quarantine groups).
/// </summary>
internal sealed class ForensicChannels(IInstanceContainment ec2, TimeProvider time, CancellationToken cancellationToken)
{
    private readonly ConcurrentDictionary<(AwsScope Scope, string VpcId), Lazy<Task<VpcForensicGroup>>> _ready = new();

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
                return new VpcForensicGroup(null, lookup.Missing ?? $"no endpoints for Systems Manager and S3 in {vpcId}", null);
            }

            var group = await ec2.EnsureForensicGroupAsync(scope, channel, dryRun: false, cancellationToken);
            return group is null
                ? new VpcForensicGroup(null, $"the forensic group of {vpcId} could not be made", null)
                : new VpcForensicGroup(group.GroupId, null, Result(StepOutcome.Succeeded, $"{group.GroupId} ({group.Note}): only TCP 443 out, to {channel.Summary}", null));
        }
        catch (AwsOperationException e)
        {
            return new VpcForensicGroup(null, $"the forensic group of {vpcId} failed: {e.Message}", Result(StepOutcome.Failed, e.Message, e.ErrorCode));
        }

        StepResult Result(StepOutcome outcome, string detail, string? errorCode) =>
            new(ContainmentAction.Collect, "forensic-channel", vpcId, outcome, detail, errorCode, (long)time.GetElapsedTime(started).TotalMilliseconds);
    }
}

/// <summary>A VPC's forensic group, ready to go on its ENIs next to the isolation group; or why there is none.</summary>
/// <param name="Step">What making it ready did, for each instance's report; null when there was nothing to make (no channel).</param>
internal sealed record VpcForensicGroup(string? GroupId, string? Missing, StepResult? Step);
