namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>EC2, on a VPC's forensic channel: its endpoints, route tables and the forensic group.</summary>
public interface IEc2ForensicChannels
{
    /// <summary>
    /// The VPC's forensic channel (<see cref="ForensicChannel"/>): its available interface endpoints for
    /// <c>com.amazonaws.&lt;region&gt;.ssm</c>, <c>.ssmmessages</c> and <c>.ec2messages</c> with private DNS on, and for
    /// <c>.s3</c> an available gateway endpoint (its prefix list) or interface endpoint with private DNS on. Endpoints are
    /// matched by exact service name, which only AWS can give. Missing any of them: none, saying which.
    /// </summary>
    Task<ForensicChannelLookup> FindForensicChannelAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken);

    /// <summary>The route table a subnet uses: its explicit association, else the VPC's main table; null when EC2 names none.</summary>
    Task<string?> FindSubnetRouteTableAsync(AwsScope scope, string vpcId, string subnetId, CancellationToken cancellationToken);

    /// <summary>
    /// The VPC's forensic group: no ingress rule, and egress only TCP 443 to each of the channel's addresses and prefix
    /// lists. The group the ledger recorded (<paramref name="recordedGroupId"/>) when EC2 still has it, otherwise a new
    /// one (never one found by tag or name); its rules made exactly these (others revoked, missing ones authorized) and verified: an
    /// <see cref="AwsOperationException"/> when they still differ. Null in a dry run when it does not exist yet; in a dry
    /// run an existing group is left as it is.
    /// </summary>
    Task<ForensicGroup?> EnsureForensicGroupAsync(AwsScope scope, ForensicChannel channel, string? recordedGroupId, bool dryRun, CancellationToken cancellationToken);
}
