using System.Text.RegularExpressions;

namespace ThreatResponse.Testing;

/// <summary>
/// Sets up SNS topics and subscriptions in moto for tests. AWSSDK.SimpleNotificationService is not served here and the
/// product only publishes; moto routes by the Authorization header's credential scope, so plain form POSTs do.
/// </summary>
public static partial class MotoSns
{
    private static readonly HttpClient Http = new();

    public static async Task<string> CreateTopicAsync(MotoServerFixture moto, string name) =>
        Between(await CallAsync(moto, $"Action=CreateTopic&Name={Uri.EscapeDataString(name)}"), "TopicArn");

    public static async Task SubscribeQueueAsync(MotoServerFixture moto, string topicArn, string queueArn) =>
        await CallAsync(moto, $"Action=Subscribe&TopicArn={Uri.EscapeDataString(topicArn)}&Protocol=sqs&Endpoint={Uri.EscapeDataString(queueArn)}");

    private static async Task<string> CallAsync(MotoServerFixture moto, string form)
    {
        ArgumentNullException.ThrowIfNull(moto);
        using var request = new HttpRequestMessage(HttpMethod.Post, moto.Endpoint)
        {
            Content = new StringContent(form + "&Version=2010-03-31", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"moto SNS {form}: {(int)response.StatusCode} {body}");
    }

    private static string Between(string xml, string element)
    {
        var match = Regex.Match(xml, $"<{element}>(.*?)</{element}>");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"no {element} in {xml}");
    }
}
