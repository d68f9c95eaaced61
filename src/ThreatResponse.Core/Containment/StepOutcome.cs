using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Containment;

[JsonConverter(typeof(JsonStringEnumConverter<StepOutcome>))]
public enum StepOutcome
{
    [JsonStringEnumMemberName("succeeded")] Succeeded,

    /// <summary>Not done, on purpose: the reason says why (exempt, already done, not applicable).</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,

    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Checked with EC2's DryRun (permissions and parameters) and not done.</summary>
    [JsonStringEnumMemberName("dry-run")] DryRun,
}
