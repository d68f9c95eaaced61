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

    /// <summary>
    /// Volatile evidence through Systems Manager Run Command into the evidence bucket (<see cref="ContainmentOptions.Evidence"/>);
    /// before isolation only when a rule says so (its <c>evidenceFirstSeconds</c>), since isolation cuts the agent off.
    /// </summary>
    [JsonStringEnumMemberName("collect")] Collect,
}
