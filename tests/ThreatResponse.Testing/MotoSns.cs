using System.Text.RegularExpressions;

namespace ThreatResponse.Testing;

/// <summary>
/// Sets up SNS topics and subscriptions in moto for tests (AWSSDK.SimpleNotificationService is not served here, and
/// the product only publishes).
/// </summary>
public static partial class MotoSns
{
    public static async Task<string> CreateTopicAsync(MotoServerFixture moto, string name) =>
        Between(await CallAsync(moto, $"Action=CreateTopic&Name={Uri.EscapeDataString(name)}"), "TopicArn");

    public static async Task SubscribeQueueAsync(MotoServerFixture moto, string topicArn, string queueArn) =>
        await CallAsync(moto, $"Action=Subscribe&TopicArn={Uri.EscapeDataString(topicArn)}&Protocol=sqs&Endpoint={Uri.EscapeDataString(queueArn)}");

    private static Task<string> CallAsync(MotoServerFixture moto, string form) => MotoForms.CallAsync(moto, "sns", "2010-03-31", form);

    private static string Between(string xml, string element)
    {
        var match = Regex.Match(xml, $"<{element}>(.*?)</{element}>");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"no {element} in {xml}");
    }
}
