using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Core.Settings;

/// <summary>
/// A function's settings: <see cref="DeploymentSettings"/> and what only the functions read. Read once per execution
/// environment, when the function starts; a value not allowed stops it there.
/// </summary>
public sealed record FunctionSettings
{
    public required DeploymentSettings Deployment { get; init; }

    public required string NotificationTopicArn { get; init; }

    /// <summary>The custom action served; null for the functions that serve none (each custom action requires it when it starts).</summary>
    public string? ActionTargetArn { get; init; }

    public bool DryRun { get; init; }

    public ResponseMode AutoResponseMode { get; init; } = ResponseMode.DryRun;

    public string? Playbook { get; init; }

    public string? PlaybookParameterName { get; init; }

    public TimeSpan ClaimWait { get; init; } = SettingsTable.ClaimWait.DefaultValue;

    public TimeSpan FunctionTimeout { get; init; } = SettingsTable.FunctionTimeout.DefaultValue;

    public FindingUpdateOptions FindingUpdates { get; init; } = new();

    /// <exception cref="InvalidSettingsException">A variable is set to a value not allowed, or <c>NOTIFICATION_TOPIC_ARN</c> is not set; every problem is named.</exception>
    public static FunctionSettings Read(Func<string, string?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var errors = new List<string>();
        var deployment = DeploymentSettings.Read(variables, errors);
        var topic = SettingsTable.NotificationTopicArn.Read(variables, errors);
        if (topic is null && !errors.Any(e => e.StartsWith(SettingsTable.NotificationTopicArn.Name + "=", StringComparison.Ordinal)))
        {
            errors.Add($"{SettingsTable.NotificationTopicArn.Name} is not set: {SettingsTable.NotificationTopicArn.Allowed}");
        }

        var status = SettingsTable.FindingWorkflowStatus.Read(variables, errors);
        var settings = new FunctionSettings
        {
            Deployment = deployment,
            NotificationTopicArn = topic ?? string.Empty,
            ActionTargetArn = SettingsTable.ActionTargetArn.Read(variables, errors),
            DryRun = SettingsTable.DryRun.Read(variables, errors),
            AutoResponseMode = SettingsTable.AutoResponseMode.Read(variables, errors),
            Playbook = SettingsTable.Playbook.Read(variables, errors),
            PlaybookParameterName = SettingsTable.PlaybookParameterName.Read(variables, errors),
            ClaimWait = SettingsTable.ClaimWait.Read(variables, errors),
            FunctionTimeout = SettingsTable.FunctionTimeout.Read(variables, errors),
            FindingUpdates = new FindingUpdateOptions { WorkflowStatusAfterContainment = status == "unchanged" ? null : status },
        };
        return errors.Count == 0 ? settings : throw new InvalidSettingsException(errors);
    }

    /// <summary>The custom action this function serves.</summary>
    /// <exception cref="InvalidSettingsException"><c>ACTION_TARGET_ARN</c> is not set.</exception>
    public string RequireActionTarget() =>
        ActionTargetArn ?? throw new InvalidSettingsException([$"{SettingsTable.ActionTargetArn.Name} is not set: {SettingsTable.ActionTargetArn.Allowed}"]);
}
