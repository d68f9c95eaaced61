using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.Ec2;

/// <summary>
/// The EC2 operations containment is made of, one call each (or one round of parallel calls for a lookup), so that the
/// engine decides order and concurrency. Mutating calls take <c>dryRun</c>: with it, EC2 checks and does nothing, and
/// the call returns normally. Failures surface as <see cref="AwsOperationException"/>.
/// </summary>
public interface IInstanceContainment
{
    /// <summary>
    /// The same operations, attributed to <paramref name="findingKey"/>: across accounts the role session is named after
    /// the finding, so the member account's CloudTrail says which finding each change was for.
    /// </summary>
    IInstanceContainment ForFinding(string findingKey);

    /// <summary>
    /// The same operations at <paramref name="priority"/> when EC2 request tokens are scarce. Calls are
    /// <see cref="CallPriority.Containment"/> unless told otherwise. An adapter without request pacing ignores it.
    /// </summary>
    IInstanceContainment WithPriority(CallPriority priority) => this;

    /// <summary>
    /// The same operations, retried while throttled or failing transiently until <paramref name="deadline"/> (urgent
    /// ones until its grace ends), then failed with <see cref="ResponseDeadline.NotReachedInTime"/>. Without a deadline
    /// an adapter decides how long to retry.
    /// </summary>
    IInstanceContainment Until(ResponseDeadline deadline) => this;

    /// <summary>
    /// Whether EC2 calls in <paramref name="scope"/> wait for request tokens or were throttled lately: then work off the
    /// isolation path waits until every instance's isolation was served. Default false (no pacing, nothing scarce).
    /// </summary>
    bool AreRequestTokensScarce(AwsScope scope) => false;

    /// <summary>The instance, its ENIs, attributes and profile association; null when EC2 does not know it.</summary>
    Task<InstanceDescription?> DescribeInstanceAsync(InstanceReference instance, CancellationToken cancellationToken);

    /// <summary>
    /// The recorded groups as EC2 has them now, each checked against the rules of its recorded role (never its tags);
    /// a recorded group EC2 no longer has, or has in another VPC, is left out.
    /// </summary>
    Task<IReadOnlyList<QuarantineGroup>> DescribeQuarantineGroupsAsync(AwsScope scope, IReadOnlyCollection<RecordedQuarantineGroup> recorded, CancellationToken cancellationToken);

    /// <summary>
    /// Without a ledger: the account and Region's groups named exactly as ThreatResponse names them, their rules checked
    /// against the role their name says, with whoever else uses them: instances with an ENI also in a group not named as
    /// ours, or ENIs of no instance.
    /// </summary>
    Task<IReadOnlyList<NamedQuarantineGroup>> FindQuarantineGroupsByNameAsync(AwsScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a new group for <paramref name="role"/> in the VPC, under ThreatResponse's name or, when a group of that
    /// name exists already (whoever made it), under a name of its own: it never returns a group it did not create.
    /// Returns null in a dry run.
    /// </summary>
    Task<string?> CreateQuarantineGroupAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, bool dryRun, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the group's rules exactly what <paramref name="role"/> requires: all traffic in and out for 0.0.0.0/0 and
    /// ::/0 for conversion, no rule at all for isolation. <paramref name="freshlyCreated"/>: this call created the group,
    /// so it has only EC2's default egress rules and no describe is needed; otherwise its rules are described, every
    /// rule not required revoked by its rule id, the missing ones added, and the group described again: an
    /// <see cref="AwsOperationException"/> when it still differs. Only ever called on a group ThreatResponse created.
    /// </summary>
    Task SetQuarantineGroupRulesAsync(AwsScope scope, string groupId, QuarantineGroupRole role, bool freshlyCreated, CancellationToken cancellationToken);

    /// <summary>
    /// The VPC's forensic channel (<see cref="Evidence.ForensicChannel"/>): its available interface endpoints for
    /// <c>com.amazonaws.&lt;region&gt;.ssm</c>, <c>.ssmmessages</c> and <c>.ec2messages</c> with private DNS on, and for
    /// <c>.s3</c> an available gateway endpoint (its prefix list) or interface endpoint with private DNS on. Endpoints are
    /// matched by exact service name, which only AWS can give. Missing any of them: none, saying which.
    /// </summary>
    Task<Evidence.ForensicChannelLookup> FindForensicChannelAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken);

    /// <summary>The route table a subnet uses: its explicit association, else the VPC's main table; null when EC2 names none.</summary>
    Task<string?> FindSubnetRouteTableAsync(AwsScope scope, string vpcId, string subnetId, CancellationToken cancellationToken);

    /// <summary>
    /// The VPC's forensic group: no ingress rule, and egress only TCP 443 to each of the channel's addresses and prefix
    /// lists. The group the ledger recorded (<paramref name="recordedGroupId"/>) when EC2 still has it, otherwise a new
    /// one (never one found by tag or name); its rules made exactly these (others revoked, missing ones authorized) and verified: an
    /// <see cref="AwsOperationException"/> when they still differ. Null in a dry run when it does not exist yet; in a dry
    /// run an existing group is left as it is.
    /// </summary>
    Task<Evidence.ForensicGroup?> EnsureForensicGroupAsync(AwsScope scope, Evidence.ForensicChannel channel, string? recordedGroupId, bool dryRun, CancellationToken cancellationToken);

    /// <summary>The ENI's connection-tracking timeouts.</summary>
    Task SetConnectionTrackingAsync(InstanceReference instance, string networkInterfaceId, ConnectionTrackingState timeouts, bool dryRun, CancellationToken cancellationToken);

    /// <summary>The VPC's network ACLs with their subnets and entries.</summary>
    Task<IReadOnlyList<NetworkAclState>> DescribeNetworkAclsAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken);

    /// <summary>One network ACL by id; null when it no longer exists.</summary>
    Task<NetworkAclState?> DescribeNetworkAclAsync(AwsScope scope, string networkAclId, CancellationToken cancellationToken);

    /// <summary>Adds the deny entry; <c>NetworkAclEntryAlreadyExists</c> when its number is taken.</summary>
    Task CreateNetworkAclDenyEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken);

    Task DeleteNetworkAclEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken);

    /// <summary>The VPC of each security group found; groups that do not exist are left out.</summary>
    Task<IReadOnlyDictionary<string, string>> FindSecurityGroupVpcsAsync(AwsScope scope, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken);

    /// <summary>Replaces the ENI's security groups (per ENI, never per instance: that fails with several ENIs).</summary>
    Task SetNetworkInterfaceGroupsAsync(InstanceReference instance, string networkInterfaceId, IReadOnlyList<string> groupIds, bool dryRun, CancellationToken cancellationToken);

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

    /// <summary>Snapshots already taken of the instance for the finding (by their tags).</summary>
    Task<IReadOnlyList<string>> FindSnapshotsAsync(InstanceReference instance, string findingKey, CancellationToken cancellationToken);

    /// <summary><c>CreateSnapshots</c> of every attached volume, volume tags copied plus <paramref name="tags"/>; returns the snapshots with their volumes and times (empty in a dry run).</summary>
    Task<IReadOnlyList<SnapshotTaken>> CreateSnapshotsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken);

    Task StopInstanceAsync(InstanceReference instance, bool hibernate, bool dryRun, CancellationToken cancellationToken);
}
