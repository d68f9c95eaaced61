using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using ThreatResponse.Aws.Http;
using ThreatResponse.Aws.Notifications;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Notifications;

[Collection(MotoCollectionDefinition.Name)]
public sealed class SnsNotifierTests(MotoServerFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task PublishAsync_ToTopicWithQueue_QueueGetsSubjectJsonReportAndAttributes()
    {
        using var sqs = new AmazonSQSClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonSQSConfig()));
        var queueUrl = (await sqs.CreateQueueAsync("on-call")).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        var topicArn = await MotoSns.CreateTopicAsync(Moto, "threat-response");
        await MotoSns.SubscribeQueueAsync(Moto, topicArn, queueArn);
        using var clients = new SignedClientFactory(MotoEnvironment()) { Credentials = _ => Task.FromResult(MotoServerFixture.Credentials) };
        var notification = NotificationComposer.Compose(SampleResponses.Isolated(), SnsFits);

        var messageId = await new SnsNotifier(clients.Sns(MotoServerFixture.DefaultRegion), topicArn).PublishAsync(notification, CancellationToken.None);

        var received = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 })).Messages);
        using var envelope = JsonDocument.Parse(received.Body);
        var root = envelope.RootElement;
        Assert.Equal(messageId, root.GetProperty("MessageId").GetString());
        Assert.Equal("[ThreatResponse] Isolated+snapshotted i-0a1b2c3d4e5f60718 (web-1) - Backdoor:EC2/C&CActivity.B HIGH", root.GetProperty("Subject").GetString());
        using var document = JsonDocument.Parse(root.GetProperty("Message").GetString()!);
        Assert.Equal("tr-0193f2c4d5e6f708a9b0c1d2e3f40516", document.RootElement.GetProperty("reportId").GetString());
        Assert.Equal("succeeded", document.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("isolation-group", document.RootElement.GetProperty("report").GetProperty("instances")[0].GetProperty("steps")[2].GetProperty("step").GetString());
        var attributes = root.GetProperty("MessageAttributes");
        Assert.Equal("HIGH", attributes.GetProperty("severity").GetProperty("Value").GetString());
        Assert.Equal("succeeded", attributes.GetProperty("outcome").GetProperty("Value").GetString());
        Assert.Equal("123456789012", attributes.GetProperty("account").GetProperty("Value").GetString());
        Assert.Equal("String.Array", attributes.GetProperty("actions").GetProperty("Type").GetString());
        Assert.Equal("""["isolate","snapshot"]""", attributes.GetProperty("actions").GetProperty("Value").GetString());
    }

    [Fact]
    public async Task PublishAsync_TopicMissing_FailsWithAwsCode()
    {
        using var clients = new SignedClientFactory(MotoEnvironment()) { Credentials = _ => Task.FromResult(MotoServerFixture.Credentials) };
        var notifier = new SnsNotifier(clients.Sns(MotoServerFixture.DefaultRegion), "arn:aws:sns:us-east-1:123456789012:nope");

        var error = await Assert.ThrowsAsync<Core.Containment.AwsOperationException>(() => notifier.PublishAsync(NotificationComposer.Compose(SampleResponses.Isolated(), SnsFits), CancellationToken.None));

        Assert.Equal("NotFound", error.ErrorCode);
    }

    [Fact]
    public async Task Fits_TextWhoseEscapingCrossesTheLimit_FalseAndSnsRefusesIt()
    {
        // 70,000 quotes: 140,000 bytes as two bodies, 280,000 once each is escaped inside the message structure.
        var notification = new Notification("[ThreatResponse] test", new string('"', 70_000), "{}", "{}", new Dictionary<string, IReadOnlyList<string>>(), Trimmed: false);
        var (notifier, _) = await TopicAsync();

        Assert.False(notifier.Fits(notification));
        Assert.True(SnsNotifier.PublishedBytes(notification) > SnsNotifier.MaxMessageBytes);
        var error = await Assert.ThrowsAsync<Core.Containment.AwsOperationException>(() => notifier.PublishAsync(notification, CancellationToken.None));
        Assert.Equal("InvalidParameter", error.ErrorCode);
    }

    [Fact]
    public async Task Fits_LargestThatFits_PublishedWhole()
    {
        var (notifier, _) = await TopicAsync();
        var empty = new Notification("[ThreatResponse] test", "", "{}", "{}", new Dictionary<string, IReadOnlyList<string>>(), Trimmed: false);
        var room = SnsNotifier.MaxMessageBytes - SnsNotifier.PublishedBytes(empty);
        var notification = empty with { Text = new string('x', (int)(room / 2)) };

        Assert.True(notifier.Fits(notification));
        Assert.InRange(SnsNotifier.PublishedBytes(notification), SnsNotifier.MaxMessageBytes - 1, SnsNotifier.MaxMessageBytes);
        Assert.False(string.IsNullOrEmpty(await notifier.PublishAsync(notification, CancellationToken.None)));
        Assert.False(notifier.Fits(notification with { Text = notification.Text + "xx" }));
    }

    private static bool SnsFits(Notification notification) => SnsNotifier.PublishedBytes(notification) <= SnsNotifier.MaxMessageBytes;

    private async Task<(SnsNotifier Notifier, string TopicArn)> TopicAsync()
    {
        var topicArn = await MotoSns.CreateTopicAsync(Moto, "threat-response");
        var clients = new SignedClientFactory(MotoEnvironment()) { Credentials = _ => Task.FromResult(MotoServerFixture.Credentials) };
        return (new SnsNotifier(clients.Sns(MotoServerFixture.DefaultRegion), topicArn), topicArn);
    }

    private AwsEnvironment MotoEnvironment() => new(name => name == "AWS_ENDPOINT_URL" ? Moto.Endpoint.ToString() : null);
}
