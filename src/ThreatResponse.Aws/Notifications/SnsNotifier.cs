using System.Globalization;
using System.Text;
using System.Text.Json;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Aws.Notifications;

/// <summary>
/// <see cref="INotifier"/> on SNS <c>Publish</c> (query protocol), signed by <see cref="AwsSignedHttpClient"/>: one
/// message with <c>MessageStructure=json</c> — readable text for e-mail, the chat notification for HTTPS (how Amazon Q
/// Developer in chat applications subscribes), the JSON document for SQS, Lambda and HTTP — and message attributes for
/// filter policies. The one file to change for AWSSDK.SimpleNotificationService.
/// </summary>
public sealed class SnsNotifier(AwsSignedHttpClient sns, string topicArn) : INotifier
{
    /// <summary>SNS's limit for one message: the message and its attributes together, in bytes (256 KiB).</summary>
    public const int MaxMessageBytes = 256 * 1024;

    public async Task<string> PublishAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var form = new List<(string Key, string Value)>
        {
            ("TopicArn", topicArn),
            ("Subject", notification.Subject),
            ("MessageStructure", "json"),
            ("Message", MessageStructure(notification)),
        };

        var entry = 1;
        foreach (var (name, type, value) in Attributes(notification))
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"MessageAttributes.entry.{entry++}");
            form.Add(($"{prefix}.Name", name));
            form.Add(($"{prefix}.Value.DataType", type));
            form.Add(($"{prefix}.Value.StringValue", value));
        }

        var response = await QueryProtocol.CallAsync(sns, "Publish", "2010-03-31", form, cancellationToken);
        return QueryProtocol.Text(response, "MessageId") ?? throw new AwsOperationException("Publish", "MalformedResponse", "the response has no MessageId");
    }

    /// <summary>
    /// Whether <paramref name="notification"/> goes out as one message: its bytes as published — the per-protocol
    /// message structure exactly as serialized (escaping included), the attributes' names, types and values, and the
    /// subject — at most <see cref="MaxMessageBytes"/>.
    /// </summary>
    public bool Fits(Notification notification) => PublishedBytes(notification) <= MaxMessageBytes;

    public static long PublishedBytes(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return Encoding.UTF8.GetByteCount(MessageStructure(notification))
            + Attributes(notification).Sum(a => Encoding.UTF8.GetByteCount(a.Name) + Encoding.UTF8.GetByteCount(a.Type) + Encoding.UTF8.GetByteCount(a.Value))
            + Encoding.UTF8.GetByteCount(notification.Subject);
    }

    /// <summary>
    /// One body per protocol. <c>default</c> is what every protocol not named gets (SMS, Firehose, <c>email-json</c>):
    /// the text. <c>https</c> is the chat's: Amazon Q Developer in chat applications subscribes to the topic over HTTPS
    /// and renders only its custom-notification schema, so a machine subscriber wanting the JSON document subscribes
    /// over SQS, Lambda or HTTP.
    /// </summary>
    private static string MessageStructure(Notification notification) =>
        JsonSerializer.Serialize(
            new Dictionary<string, string>
            {
                ["default"] = notification.Text,
                ["email"] = notification.Text,
                ["sqs"] = notification.Json,
                ["lambda"] = notification.Json,
                ["http"] = notification.Json,
                ["https"] = notification.Chat,
            },
            SnsJsonContext.Relaxed.DictionaryStringString);

    private static IEnumerable<(string Name, string Type, string Value)> Attributes(Notification notification) =>
        notification.Attributes.Select(a => a.Value.Count == 1
            ? (a.Key, "String", a.Value[0])
            : (a.Key, "String.Array", JsonSerializer.Serialize(a.Value.ToArray(), SnsJsonContext.Relaxed.StringArray)));
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class SnsJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
    /// <summary>Escapes only what JSON requires, so the message's size is what its text is.</summary>
    public static SnsJsonContext Relaxed { get; } = new(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
