namespace ThreatResponse.Core.Containment.State;

/// <summary>The tag keys ThreatResponse writes on instances, snapshots and its security groups.</summary>
public static class QuarantineTags
{
    public const string Prefix = "ThreatResponse:";

    /// <summary><c>isolating</c> while isolation is under way (the saved state is then already written), <c>isolated</c> after.</summary>
    public const string Status = Prefix + "Status";

    public const string FindingId = Prefix + "FindingId";

    public const string IsolatedAt = Prefix + "IsolatedAt";

    public const string InstanceId = Prefix + "InstanceId";

    public const string SnapshotAt = Prefix + "SnapshotAt";

    /// <summary>On the quarantine security groups: <c>conversion</c> or <c>isolation</c>.</summary>
    public const string GroupRole = Prefix + "Role";

    public const string StatusIsolating = "isolating";

    public const string StatusIsolated = "isolated";
}
