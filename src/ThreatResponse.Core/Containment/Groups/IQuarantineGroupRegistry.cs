namespace ThreatResponse.Core.Containment.Groups;

/// <summary>
/// The record of the quarantine groups ThreatResponse created, per account, Region, VPC and role: the only proof that a
/// group is ours. Names and tags are not: anyone with <c>ec2:CreateTags</c> can tag a production group
/// <c>ThreatResponse:Role=isolation</c>, and anyone with <c>ec2:CreateSecurityGroup</c> can take our group name in a VPC.
/// A group not recorded here is never modified and never put on an ENI. Kept in the ledger, which only the functions write.
/// </summary>
public interface IQuarantineGroupRegistry
{
    /// <summary>Every group recorded for the account and Region (one read, whatever the number of VPCs).</summary>
    Task<IReadOnlyList<RecordedQuarantineGroup>> ListAsync(AwsScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// Records <paramref name="group"/> as its VPC's group for its role, unless another response recorded
    /// one first; <paramref name="replacing"/> names a recorded group that is gone or unusable and may be replaced.
    /// </summary>
    /// <returns>The group id recorded now: <paramref name="group"/>'s, or the one another response recorded first.</returns>
    Task<string> RecordAsync(AwsScope scope, RecordedQuarantineGroup group, string? replacing, CancellationToken cancellationToken);
}

/// <summary>A quarantine group as the ledger records it: created by ThreatResponse for that VPC and role.</summary>
public sealed record RecordedQuarantineGroup(string VpcId, QuarantineGroupRole Role, string GroupId);
