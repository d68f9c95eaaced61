namespace ThreatResponse.Core.Notifications;

/// <summary>How responses are recorded on findings.</summary>
public sealed record FindingUpdateOptions
{
    /// <summary>
    /// Workflow status set on a finding once its instances are contained (not on dry runs, skips or failures).
    /// <c>FINDING_WORKFLOW_STATUS</c>: NEW, NOTIFIED (default), RESOLVED, SUPPRESSED, or <c>unchanged</c>.
    /// </summary>
    public string? WorkflowStatusAfterContainment { get; init; } = "NOTIFIED";

    /// <exception cref="FormatException">The variable names no workflow status.</exception>
    public static FindingUpdateOptions FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var value = environment("FINDING_WORKFLOW_STATUS")?.Trim();
        return value switch
        {
            null or "" => new FindingUpdateOptions(),
            "unchanged" => new FindingUpdateOptions { WorkflowStatusAfterContainment = null },
            "NEW" or "NOTIFIED" or "RESOLVED" or "SUPPRESSED" => new FindingUpdateOptions { WorkflowStatusAfterContainment = value },
            _ => throw new FormatException($"FINDING_WORKFLOW_STATUS='{value}' is not NEW, NOTIFIED, RESOLVED, SUPPRESSED or unchanged"),
        };
    }
}
