using System.Text.Json;

namespace ThreatResponse.Cli.Demo;

/// <summary>What the demo did and saw, for the screen or for <c>--json</c>.</summary>
public sealed record DemoResult(
    string Emulator,
    string InstanceId,
    string Name,
    InstanceView Before,
    InstanceView Contained,
    InstanceView Released,
    JsonElement ContainmentOutput,
    JsonElement ReleaseOutput,
    IReadOnlyList<DemoNotification> Notifications,
    IReadOnlyList<JsonElement> FindingUpdates,
    IReadOnlyDictionary<string, long> TimingsMs,
    bool Succeeded)
{
    /// <summary>The containment notification as published (<c>--show-notification</c>); null otherwise.</summary>
    public PublishedNotification? Published { get; init; }
}

/// <summary>A notification as the on-call queue received it: SNS's subject and the JSON document.</summary>
public sealed record DemoNotification(string Subject, JsonElement Message);

/// <summary>A notification as it was published: SNS's subject and each protocol's body (<c>MessageStructure=json</c>).</summary>
public sealed record PublishedNotification(string Subject, IReadOnlyDictionary<string, string> Bodies);
