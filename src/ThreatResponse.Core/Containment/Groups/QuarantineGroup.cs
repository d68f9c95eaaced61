namespace ThreatResponse.Core.Containment.Groups;

/// <summary>A quarantine security group as found in EC2, with whether its rules are what its role requires.</summary>
/// <param name="RulesAsRequired">
/// Conversion: all traffic allowed in and out for IPv4 and IPv6. Isolation: no rule at all. Forensic: no ingress, and
/// egress TCP 443 only (to which addresses is its channel's, checked when it is ensured). False means someone
/// changed the group (or its creation was interrupted) and it must be repaired before use.
/// </param>
public sealed record QuarantineGroup(string GroupId, string VpcId, QuarantineGroupRole Role, bool RulesAsRequired);

/// <summary>A quarantine group <see cref="IInstanceContainment.CreateQuarantineGroupAsync"/> made or found.</summary>
/// <param name="Adopted">A group of that name existed already: its rules are whatever someone gave it, so they are verified and repaired.</param>
public sealed record CreatedGroup(string GroupId, bool Adopted);
