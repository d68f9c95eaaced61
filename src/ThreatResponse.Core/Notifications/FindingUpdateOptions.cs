namespace ThreatResponse.Core.Notifications;

/// <summary>How responses are recorded on findings; read from the environment by <see cref="Settings.FunctionSettings"/>.</summary>
public sealed record FindingUpdateOptions
{
    /// <summary>
    /// Workflow status set on a finding once its instances are contained (not on dry runs, skips or failures).
    /// <c>FINDING_WORKFLOW_STATUS</c>: NEW, NOTIFIED (default), RESOLVED, SUPPRESSED, or <c>unchanged</c>.
    /// </summary>
    public string? WorkflowStatusAfterContainment { get; init; } = Settings.SettingsTable.FindingWorkflowStatus.DefaultValue;
}
