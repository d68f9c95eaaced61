namespace ThreatResponse.Core.Containment.Groups;

/// <summary>EC2, on the conversion and isolation groups: made, described and repaired only when the ledger records them ours.</summary>
public interface IEc2QuarantineGroups
{
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
}
