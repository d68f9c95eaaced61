using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Aws.Notifications;

/// <summary>
/// <see cref="INotifier"/> on SNS <c>Publish</c> (query protocol), signed by <see cref="AwsSignedHttpClient"/>: one
/// message with <c>MessageStructure=json</c> — readable text for e-mail, the JSON document for SQS, Lambda and HTTP(S)
/// subscribers — and message attributes for filter policies. The one file to change for AWSSDK.SimpleNotificationService.
/// </summary>
public sealed class SnsNotifier(AwsSignedHttpClient sns, string topicArn) : INotifier
{
    public async Task<string> PublishAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var message = new Dictionary<string, string>
        {
            ["default"] = notification.Text,
            ["email"] = notification.Text,
            ["sqs"] = notification.Json,
            ["lambda"] = notification.Json,
            ["http"] = notification.Json,
            ["https"] = notification.Json,
        };

        var form = new List<(string, string)>
        {
            ("Action", "Publish"),
            ("Version", "2010-03-31"),
            ("TopicArn", topicArn),
            ("Subject", notification.Subject),
            ("MessageStructure", "json"),
            ("Message", JsonSerializer.Serialize(message, SnsJsonContext.Relaxed.DictionaryStringString)),
        };

        var entry = 1;
        foreach (var (name, values) in notification.Attributes)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"MessageAttributes.entry.{entry++}");
            form.Add(($"{prefix}.Name", name));
            form.Add(($"{prefix}.Value.DataType", values.Count == 1 ? "String" : "String.Array"));
            form.Add(($"{prefix}.Value.StringValue", values.Count == 1 ? values[0] : JsonSerializer.Serialize(values.ToArray(), SnsJsonContext.Relaxed.StringArray)));
        }

        var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}")));
        var response = await sns.SendAsync(new AwsHttpRequest("Publish", HttpMethod.Post, "/", body, "application/x-www-form-urlencoded; charset=utf-8"), cancellationToken);
        return MessageIdOf(response.Body);
    }

    private static string MessageIdOf(byte[] body)
    {
        try
        {
            var xml = new XmlDocument { XmlResolver = null };
            using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
            xml.Load(reader);
            return xml.SelectSingleNode("//*[local-name()='MessageId']")?.InnerText
                ?? throw new AwsOperationException("Publish", "MalformedResponse", "the response has no MessageId");
        }
        catch (XmlException e)
        {
            throw new AwsOperationException("Publish", "MalformedResponse", e.Message, e);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class SnsJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
    /// <summary>Escapes only what JSON requires, so the message's size is what its text is.</summary>
    public static SnsJsonContext Relaxed { get; } = new(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
