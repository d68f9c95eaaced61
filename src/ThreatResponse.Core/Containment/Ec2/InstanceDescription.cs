namespace ThreatResponse.Core.Containment.Ec2;

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

    /// <summary>An instance EC2 no longer knows (terminated a while ago): nothing attached, nothing to read.</summary>
    public static InstanceDescription Gone(string instanceId) =>
        new(instanceId, "terminated", new Dictionary<string, string>(), [], new("disabled", "required", 1, "disabled", "disabled"), null, false, "terminate", false, []);

    public bool IsStoppedOrStopping => State is "stopped" or "stopping";

    public bool ShutdownKeepsInstance => ShutdownBehavior == ShutdownStops;
}

/// <summary>An ENI attached to the instance, with its VPC and security groups.</summary>
public sealed record NetworkInterfaceState(string NetworkInterfaceId, string VpcId, IReadOnlyList<string> GroupIds)
{
    public string? SubnetId { get; init; }

    /// <summary>The names of <see cref="GroupIds"/>, in the same order, as EC2 reports them with the instance.</summary>
    public IReadOnlyList<string> GroupNames { get; init; } = [];

    /// <summary>Private IPv4 addresses, the primary first, then the secondary ones.</summary>
    public IReadOnlyList<string> Ipv4Addresses { get; init; } = [];

    public IReadOnlyList<string> Ipv6Addresses { get; init; } = [];

    /// <summary>IPv4 prefixes delegated to the ENI (<c>/28</c>): every address in them reaches the instance.</summary>
    public IReadOnlyList<string> Ipv4Prefixes { get; init; } = [];

    /// <summary>IPv6 prefixes delegated to the ENI (<c>/80</c>).</summary>
    public IReadOnlyList<string> Ipv6Prefixes { get; init; } = [];

    /// <summary>The ENI's connection-tracking timeouts; EC2's defaults when it reports none.</summary>
    public ConnectionTrackingState Tracking { get; init; } = ConnectionTrackingState.Default;
}

/// <summary>Idle timeouts, in seconds, after which EC2 forgets a tracked connection.</summary>
public sealed record ConnectionTrackingState(int TcpEstablished, int UdpStream, int Udp)
{
    /// <summary>EC2's defaults: TCP established 432,000 s (5 days), UDP stream 180 s, UDP 30 s.</summary>
    public static ConnectionTrackingState Default { get; } = new(432_000, 180, 30);

    /// <summary>EC2's minimum: TCP established 60 s, UDP stream 60 s, UDP 30 s.</summary>
    public static ConnectionTrackingState Minimum { get; } = new(60, 60, 30);

    public override string ToString() => $"TCP established {TcpEstablished} s, UDP stream {UdpStream} s, UDP {Udp} s";
}

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

/// <summary>A snapshot <c>CreateSnapshots</c> started: of which volume, and when (its point in time).</summary>
public sealed record SnapshotTaken(string SnapshotId, string? VolumeId, DateTimeOffset? StartTime);
