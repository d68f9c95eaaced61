using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Findings;

/// <summary>
/// The EventBridge source a finding arrived through. It decides the finding's format (GuardDuty's own or ASFF);
/// a GuardDuty finding relayed by Security Hub is <see cref="SecurityHub"/>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<FindingSource>))]
public enum FindingSource
{
    [JsonStringEnumMemberName("guardduty")] GuardDuty,
    [JsonStringEnumMemberName("securityhub")] SecurityHub,
}
