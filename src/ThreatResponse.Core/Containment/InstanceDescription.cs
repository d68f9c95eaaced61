namespace ThreatResponse.Core.Containment;

/// <summary>What containment needs to know about an instance, read in one round of parallel describe calls.</summary>
/// <param name="State">EC2's state name: pending, running, stopping, stopped, shutting-down, terminated.</param>
/// <param name="ProfileAssociation">The instance profile association; null when none is associated.</param>
/// <param name="HibernationConfigured">The instance was launched with hibernation configured, so it can hibernate.</param>
/// <param name="VolumeIds">Attached EBS volumes.</param>
public sealed record InstanceDescription(
    string InstanceId,
    string State,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<NetworkInterfaceState> NetworkInterfaces,
    MetadataOptionsState MetadataOptions,
    ProfileAssociation? ProfileAssociation,
    bool TerminationProtection,
    string ShutdownBehavior,
    bool HibernationConfigured,
    IReadOnlyList<string> VolumeIds)
{
    public string? Name => Tags.TryGetValue("Name", out var name) ? name : null;

    /// <summary>The instance-initiated shutdown behaviour that keeps the instance (and its evidence): <c>stop</c>, not <c>terminate</c>.</summary>
    public const string ShutdownStops = "stop";

    public bool IsGone => State is "terminated" or "shutting-down";

    public bool IsStoppedOrStopping => State is "stopped" or "stopping";

    public bool ShutdownKeepsInstance => ShutdownBehavior == ShutdownStops;
}

/// <summary>An ENI attached to the instance, with its VPC and security groups.</summary>
public sealed record NetworkInterfaceState(string NetworkInterfaceId, string VpcId, IReadOnlyList<string> GroupIds);

/// <summary>The instance metadata service options, as <c>ModifyInstanceMetadataOptions</c> sets them.</summary>
public sealed record MetadataOptionsState(
    string HttpEndpoint,
    string HttpTokens,
    int HttpPutResponseHopLimit,
    string InstanceMetadataTags,
    string HttpProtocolIpv6)
{
    private const string Disabled = "disabled";

    public bool IsEndpointDisabled => HttpEndpoint == Disabled;

    /// <summary>These options with the metadata endpoint off: the instance can no longer fetch role credentials.</summary>
    public MetadataOptionsState WithEndpointDisabled() => this with { HttpEndpoint = Disabled };
}

/// <summary>An instance profile associated with the instance.</summary>
public sealed record ProfileAssociation(string AssociationId, string ProfileArn);
