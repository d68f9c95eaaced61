namespace ThreatResponse.Core.Containment.Groups;

/// <summary>A quarantine security group as found in EC2, with whether its rules are what its role requires.</summary>
/// <param name="RulesAsRequired">
/// Conversion: all traffic allowed in and out for IPv4 and IPv6. Isolation: no rule at all. Forensic: no ingress, and
/// egress TCP 443 only (to which addresses is its channel's, checked when it is ensured). False means someone
/// changed the group (or its creation was interrupted) and it must be repaired before use.
/// </param>
public sealed record QuarantineGroup(string GroupId, string VpcId, QuarantineGroupRole Role, bool RulesAsRequired);

/// <summary>A group found by ThreatResponse's name (without a ledger), with whoever else uses it.</summary>
/// <param name="UsedByOthers">
/// Instances with an ENI in the group and in a group not named as ours, or ENIs of no instance: then it is not ours to
/// use. (Only the instances of the request may use it alongside other groups: they are about to leave theirs.)
/// </param>
public sealed record NamedQuarantineGroup(QuarantineGroup Group, IReadOnlyList<string> UsedByOthers);
