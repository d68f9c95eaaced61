namespace ThreatResponse.Core.Containment.Groups;

/// <summary>The security groups ThreatResponse keeps per VPC.</summary>
public enum QuarantineGroupRole
{
    /// <summary>
    /// Allows all traffic in and out. Applied for one call before isolation: flows allowed by all-open rules in both
    /// directions are untracked, and an untracked flow stops the moment its rule goes, which a tracked one does not.
    /// </summary>
    Conversion,

    /// <summary>No rules at all: nothing in, nothing out.</summary>
    Isolation,

    /// <summary>
    /// Outbound TCP 443 to the VPC's Systems Manager and S3 endpoints only (<see cref="Evidence.ForensicChannel"/>):
    /// put on an ENI next to the isolation group while evidence is collected, and taken off when the collection ends.
    /// </summary>
    Forensic,
}
