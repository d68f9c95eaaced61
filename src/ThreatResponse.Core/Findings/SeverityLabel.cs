using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Findings;

/// <summary>The ASFF severity label. Ordered from least to most severe, so labels compare.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SeverityLabel>))]
public enum SeverityLabel
{
    [JsonStringEnumMemberName("INFORMATIONAL")] Informational,
    [JsonStringEnumMemberName("LOW")] Low,
    [JsonStringEnumMemberName("MEDIUM")] Medium,
    [JsonStringEnumMemberName("HIGH")] High,
    [JsonStringEnumMemberName("CRITICAL")] Critical,
}
