using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.NetworkAcls;

/// <summary>Network ACL entries saved for an instance that is terminated or no longer known to EC2.</summary>
/// <param name="State">EC2's state of the instance, or <c>not found</c>.</param>
public sealed record OrphanedAclEntries(InstanceReference Instance, string State, string FindingId, IReadOnlyList<NetworkAclDenyEntry> Entries);
