using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Containment;

/// <summary>What can be done to an instance. Notification is not here: every response notifies.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContainmentAction>))]
public enum ContainmentAction
{
    [JsonStringEnumMemberName("isolate")] Isolate,
    [JsonStringEnumMemberName("snapshot")] Snapshot,
    [JsonStringEnumMemberName("stop")] Stop,
    [JsonStringEnumMemberName("release")] Release,
}
