namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// A VPC's private way to Systems Manager and S3 for an isolated instance's SSM agent and its evidence upload: the
/// addresses of the ENIs of its interface endpoints for <c>ssm</c>, <c>ssmmessages</c> and <c>ec2messages</c> (and
/// for S3 when S3 has an interface endpoint), and the S3 prefix list when S3 has a gateway endpoint. The forensic
/// group allows outbound TCP 443 to exactly these and nothing else.
/// </summary>
/// <param name="EndpointCidrs">Each endpoint ENI's private address as a /32 (IPv4) or /128 (IPv6), sorted.</param>
/// <param name="PrefixListIds">The S3 prefix list when S3 is reached through a gateway endpoint; sorted.</param>
/// <param name="Summary">For the report: the endpoints the channel is made of (ids and services).</param>
/// <param name="GatewayRouteTableIds">
/// When S3 is reached only through gateway endpoints: the route tables they are on. A subnet whose route table is not
/// among them would reach S3's addresses around the endpoint (and its policy), through its NAT or internet gateway, so
/// an ENI there gets no channel. Empty when S3 has an interface endpoint (its addresses are in the channel).
/// </param>
public sealed record ForensicChannel(string VpcId, IReadOnlyList<string> EndpointCidrs, IReadOnlyList<string> PrefixListIds, string Summary, IReadOnlyList<string>? GatewayRouteTableIds = null)
{
    public IReadOnlyList<string> GatewayRouteTableIds { get; init; } = GatewayRouteTableIds ?? [];

    /// <summary>
    /// Every endpoint the channel is made of, with its policy as DescribeVpcEndpoints gives it: the window opens only when
    /// each confines it (<see cref="ForensicEndpointPolicy"/>). Empty: not read, so the window does not open.
    /// </summary>
    public IReadOnlyList<ForensicEndpoint> Endpoints { get; init; } = [];
}

/// <summary>One endpoint of a forensic channel.</summary>
/// <param name="Service">The service's short name: <c>ssm</c>, <c>ssmmessages</c>, <c>ec2messages</c> or <c>s3</c>.</param>
/// <param name="PolicyDocument">The endpoint's policy (JSON); null when EC2 gave none.</param>
public sealed record ForensicEndpoint(string EndpointId, string Service, string? PolicyDocument);

/// <summary>What <see cref="IEc2ForensicChannels.FindForensicChannelAsync"/> found: a channel, or what is missing for one.</summary>
/// <param name="Missing">
/// Why there is no channel, for the report, e.g. "no interface endpoint for ssmmessages with private DNS in vpc-…";
/// null when <paramref name="Channel"/> is set.
/// </param>
public sealed record ForensicChannelLookup(ForensicChannel? Channel, string? Missing)
{
    public static ForensicChannelLookup Found(ForensicChannel channel) => new(channel, null);

    public static ForensicChannelLookup None(string missing) => new(null, missing);
}

/// <summary>The VPC's forensic group as <see cref="IEc2ForensicChannels.EnsureForensicGroupAsync"/> left it.</summary>
/// <param name="Note">
/// For the report: "created", "existing", "rules repaired", "adopted by name, rules verified"; in a dry run, an existing
/// group whose rules differ is left as it is: "rules would be repaired".
/// </param>
public sealed record ForensicGroup(string GroupId, string Note);
