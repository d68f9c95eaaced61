namespace ThreatResponse.Core.Containment.Groups;

/// <summary>A quarantine security group as found in EC2, with whether its rules are what its role requires.</summary>
/// <param name="RulesAsRequired">
/// Conversion: all traffic allowed in and out for IPv4 and IPv6. Isolation: no rule at all. False means someone
/// changed the group (or its creation was interrupted) and it must be repaired before use.
/// </param>
public sealed record QuarantineGroup(string GroupId, string VpcId, QuarantineGroupRole Role, bool RulesAsRequired);
