using System.Text.RegularExpressions;

namespace ThreatResponse.LocalAws;

/// <summary>
/// Set-up calls to moto for services whose SDK package is not served here: IAM (instance profiles) and SNS (topics,
/// subscriptions; the product itself only publishes). moto routes a query-protocol request by its Authorization header's
/// credential scope and does not check the signature, so a plain form POST does.
/// </summary>
public static partial class EmulatorForms
{
    private static readonly HttpClient Http = new();

    /// <summary>Creates a role and an instance profile holding it; returns the profile ARN.</summary>
    public static async Task<string> CreateInstanceProfileAsync(Uri emulator, string name)
    {
        await CallAsync(emulator, "iam", "2010-05-08", $"Action=CreateRole&RoleName={name}&AssumeRolePolicyDocument=%7B%7D");
        var profile = await CallAsync(emulator, "iam", "2010-05-08", $"Action=CreateInstanceProfile&InstanceProfileName={name}");
        await CallAsync(emulator, "iam", "2010-05-08", $"Action=AddRoleToInstanceProfile&InstanceProfileName={name}&RoleName={name}");
        return Between(profile, "Arn");
    }

    public static async Task<string> CreateTopicAsync(Uri emulator, string name) =>
        Between(await CallAsync(emulator, "sns", "2010-03-31", $"Action=CreateTopic&Name={Uri.EscapeDataString(name)}"), "TopicArn");

    public static Task SubscribeQueueAsync(Uri emulator, string topicArn, string queueArn) => SubscribeAsync(emulator, topicArn, "sqs", queueArn);

    /// <summary>Subscribes <paramref name="endpoint"/> with <paramref name="protocol"/>; moto confirms HTTP(S) subscriptions at once.</summary>
    public static Task SubscribeAsync(Uri emulator, string topicArn, string protocol, string endpoint) =>
        CallAsync(emulator, "sns", "2010-03-31", $"Action=Subscribe&TopicArn={Uri.EscapeDataString(topicArn)}&Protocol={Uri.EscapeDataString(protocol)}&Endpoint={Uri.EscapeDataString(endpoint)}");

    /// <summary>
    /// Every message published to <paramref name="topicArn"/>, as moto recorded the <c>Publish</c> (its own
    /// <c>/moto-api/data.json</c>): the subject and the message — with <c>MessageStructure=json</c>, every protocol's body.
    /// </summary>
    public static async Task<IReadOnlyList<(string Subject, string Message)>> PublishedAsync(Uri emulator, string topicArn)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        using var data = System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync(new Uri(emulator, "/moto-api/data.json")));
        var topic = data.RootElement.GetProperty("sns").GetProperty("Topic").EnumerateArray().FirstOrDefault(t => t.GetProperty("arn").GetString() == topicArn);
        return topic.ValueKind == System.Text.Json.JsonValueKind.Undefined
            ? throw new InvalidOperationException($"the emulator has no topic {topicArn}")
            : [.. topic.GetProperty("sent_notifications").EnumerateArray().Select(n => (n[2].GetString() ?? string.Empty, n[1].GetString()!))];
    }

    private static async Task<string> CallAsync(Uri emulator, string service, string version, string form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, emulator)
        {
            Content = new StringContent($"{form}&Version={version}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"emulator {service} {form}: {(int)response.StatusCode} {body}");
    }

    private static string Between(string xml, string element)
    {
        var match = Regex.Match(xml, $"<{element}>(.*?)</{element}>");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"no {element} in {xml}");
    }
}
