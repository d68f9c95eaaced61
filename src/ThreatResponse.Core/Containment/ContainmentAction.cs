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

    /// <summary>
    /// Deny every session of the instance's role issued before now (an inline policy on the role). Only with
    /// <see cref="Isolate"/>, and only where the deployment allows it (<see cref="ContainmentOptions.RevokeSessions"/>).
    /// </summary>
    [JsonStringEnumMemberName("revoke-sessions")] RevokeSessions,
}
