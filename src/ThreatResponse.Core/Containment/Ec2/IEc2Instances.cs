using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Ec2;

/// <summary>EC2, on the instance itself: its description and the attributes isolation sets and release restores, tags, stop.</summary>
public interface IEc2Instances
{
    /// <summary>The instance, its ENIs, attributes and profile association; null when EC2 does not know it.</summary>
    Task<InstanceDescription?> DescribeInstanceAsync(InstanceReference instance, CancellationToken cancellationToken);

    Task SetTerminationProtectionAsync(InstanceReference instance, bool enabled, bool dryRun, CancellationToken cancellationToken);

    /// <summary>Instance-initiated shutdown behaviour: <c>stop</c> or <c>terminate</c>.</summary>
    Task SetShutdownBehaviorAsync(InstanceReference instance, string behavior, bool dryRun, CancellationToken cancellationToken);

    Task SetMetadataOptionsAsync(InstanceReference instance, MetadataOptionsState options, bool dryRun, CancellationToken cancellationToken);

    /// <summary>EC2 offers no DryRun for this call: callers must not call it in a dry run.</summary>
    Task DisassociateInstanceProfileAsync(InstanceReference instance, string associationId, CancellationToken cancellationToken);

    /// <summary>EC2 offers no DryRun for this call: callers must not call it in a dry run.</summary>
    Task AssociateInstanceProfileAsync(InstanceReference instance, string profileArn, CancellationToken cancellationToken);

    /// <summary>Puts <paramref name="profileArn"/> in place of the profile of the association. EC2 offers no DryRun for this call.</summary>
    Task ReplaceInstanceProfileAsync(InstanceReference instance, string associationId, string profileArn, CancellationToken cancellationToken);

    Task SetTagsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken);

    Task RemoveTagsAsync(InstanceReference instance, IReadOnlyCollection<string> keys, bool dryRun, CancellationToken cancellationToken);

    Task StopInstanceAsync(InstanceReference instance, bool hibernate, bool dryRun, CancellationToken cancellationToken);
}
