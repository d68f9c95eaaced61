using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Findings;

/// <summary>GuardDuty's view of the affected resource: the ACTOR did the suspicious thing, the TARGET had it done to it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResourceRole>))]
public enum ResourceRole
{
    [JsonStringEnumMemberName("ACTOR")] Actor,
    [JsonStringEnumMemberName("TARGET")] Target,
}
