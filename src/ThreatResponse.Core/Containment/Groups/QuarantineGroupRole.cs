namespace ThreatResponse.Core.Containment.Groups;

/// <summary>The two security groups ThreatResponse keeps per VPC.</summary>
public enum QuarantineGroupRole
{
    /// <summary>
    /// Allows all traffic in and out. Applied for one call before isolation: flows allowed by all-open rules in both
    /// directions are untracked, and an untracked flow stops the moment its rule goes, which a tracked one does not.
    /// </summary>
    Conversion,

    /// <summary>No rules at all: nothing in, nothing out.</summary>
    Isolation,
}
