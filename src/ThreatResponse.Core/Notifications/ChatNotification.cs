using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Notifications;

/// <summary>
/// A notification in the custom-notification schema of Amazon Q Developer in chat applications (formerly AWS Chatbot):
/// the service renders a message from SNS into Slack or Microsoft Teams only when it has this shape. Serialized with the
/// schema's own (camelCase) names.
/// </summary>
public sealed record ChatNotification(ChatContent Content, ChatMetadata Metadata)
{
    [JsonPropertyOrder(-2)]
    public string Version { get; } = "1.0";

    [JsonPropertyOrder(-1)]
    public string Source { get; } = "custom";
}

/// <summary>What the chat shows. Every string is client-markdown, which the service translates to the chat's markdown.</summary>
/// <param name="NextSteps">Shown as a list under the description.</param>
/// <param name="Keywords">Shown as tags.</param>
public sealed record ChatContent(string Title, string Description, IReadOnlyList<string> NextSteps, IReadOnlyList<string> Keywords)
{
    [JsonPropertyOrder(-1)]
    public string TextType { get; } = "client-markdown";
}

/// <param name="ThreadId">Notifications with the same thread id are shown as one thread (when the channel allows threads).</param>
/// <param name="RelatedResources">ARNs of what the notification is about.</param>
/// <param name="AdditionalContext">Key → value, for readers and for chat custom actions that pick values out.</param>
public sealed record ChatMetadata(
    string ThreadId,
    string Summary,
    string EventType,
    IReadOnlyList<string> RelatedResources,
    IReadOnlyDictionary<string, string> AdditionalContext);
