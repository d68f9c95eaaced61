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
    public async Task PublishAsync_QueueHttpAndHttpsSubscribers_EachProtocolGetsItsOwnBody()
    {
        using var sqs = new AmazonSQSClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonSQSConfig()));
        var queueUrl = (await sqs.CreateQueueAsync("on-call")).QueueUrl;
        var (notifier, topicArn) = await TopicAsync();
        await MotoSns.SubscribeQueueAsync(Moto, topicArn, (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN);
        using var subscriber = new SnsHttpSubscriber();
        await MotoSns.SubscribeAsync(Moto, topicArn, "https", subscriber.For("chat"));
        await MotoSns.SubscribeAsync(Moto, topicArn, "http", subscriber.For("webhook"));
        var notification = NotificationComposer.Compose(SampleResponses.Isolated(), SnsFits);

        var messageId = await notifier.PublishAsync(notification, CancellationToken.None);

        var chat = await subscriber.NextAsync("chat", TimeSpan.FromSeconds(10));
        Assert.Equal(messageId, chat.GetProperty("MessageId").GetString());
        Assert.Equal(notification.Chat, chat.GetProperty("Message").GetString());
        using (var body = JsonDocument.Parse(chat.GetProperty("Message").GetString()!))
        {
            Assert.Equal("1.0", body.RootElement.GetProperty("version").GetString());
            Assert.Equal("custom", body.RootElement.GetProperty("source").GetString());
            Assert.Equal(":white_check_mark: Isolated+snapshotted i-0a1b2c3d4e5f60718 (web-1)", body.RootElement.GetProperty("content").GetProperty("title").GetString());
            Assert.Equal(
                ChatNotificationComposer.ThreadId([SampleResponses.GuardDutyFinding().Id]),
                body.RootElement.GetProperty("metadata").GetProperty("threadId").GetString());
        }

        Assert.Equal(notification.Json, (await subscriber.NextAsync("webhook", TimeSpan.FromSeconds(10))).GetProperty("Message").GetString());
        var queued = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 })).Messages);
        using var envelope = JsonDocument.Parse(queued.Body);
        Assert.Equal(notification.Json, envelope.RootElement.GetProperty("Message").GetString());
    }

    /// <summary>
    /// moto delivers neither e-mail nor (without Docker) Lambda, so what those protocols get is read from the request:
    /// checked against botocore's model of <c>Publish</c> and the documented rules of <c>MessageStructure=json</c>
    /// (an object of string values with a <c>default</c>), and compared with what moto recorded.
    /// </summary>
    [Fact]
    public async Task PublishAsync_Request_ConformsToBotocoreModelAndNamesEveryProtocolsBody()
    {
        var requests = new List<string>();
        var topicArn = await MotoSns.CreateTopicAsync(Moto, "threat-response");
        using var clients = new SignedClientFactory(MotoEnvironment(), new RecordingHandler(requests)) { Credentials = _ => Task.FromResult(MotoServerFixture.Credentials) };
        var notification = NotificationComposer.Compose(SampleResponses.Isolated(), SnsFits);

        await new SnsNotifier(clients.Sns(MotoServerFixture.DefaultRegion), topicArn).PublishAsync(notification, CancellationToken.None);

        var form = System.Web.HttpUtility.ParseQueryString(Assert.Single(requests));
        Assert.Equal("Publish", form["Action"]);
        Assert.Equal(BotocoreModel.Load("sns").Metadata.GetProperty("apiVersion").GetString(), form["Version"]);
        using var input = JsonDocument.Parse(JsonSerializer.Serialize(PublishInput(form)));
        Assert.Empty(BotocoreModel.Load("sns").Validate("Publish", input.RootElement));
        Assert.Equal("json", form["MessageStructure"]);

        using var structure = JsonDocument.Parse(form["Message"]!);
        var bodies = structure.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        Assert.All(bodies.Values, body => Assert.Equal(JsonValueKind.String, body.ValueKind));
        Assert.Equal(["default", "email", "http", "https", "lambda", "sqs"], bodies.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(notification.Text, bodies["default"].GetString());
        Assert.Equal(notification.Text, bodies["email"].GetString());
        Assert.Equal(notification.Json, bodies["lambda"].GetString());
        Assert.Equal(notification.Json, bodies["sqs"].GetString());
        Assert.Equal(notification.Json, bodies["http"].GetString());
        Assert.Equal(notification.Chat, bodies["https"].GetString());
        Assert.Equal((notification.Subject, form["Message"]!), Assert.Single(await ThreatResponse.LocalAws.EmulatorForms.PublishedAsync(Moto.Endpoint, topicArn)));
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

    /// <summary>The query-protocol form as the JSON shape botocore's model describes (attributes as a map by name).</summary>
    private static Dictionary<string, object> PublishInput(System.Collections.Specialized.NameValueCollection form)
    {
        var input = new Dictionary<string, object>(StringComparer.Ordinal);
        var attributes = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var key in form.AllKeys.OfType<string>().Where(k => k is not ("Action" or "Version")))
        {
            var parts = key.Split('.');
            if (parts[0] != "MessageAttributes")
            {
                input[key] = form[key]!;
            }
            else if (parts[3] == "Name")
            {
                attributes[form[key]!] = new(StringComparer.Ordinal)
                {
                    ["DataType"] = form[$"MessageAttributes.entry.{parts[2]}.Value.DataType"]!,
                    ["StringValue"] = form[$"MessageAttributes.entry.{parts[2]}.Value.StringValue"]!,
                };
            }
        }

        input["MessageAttributes"] = attributes;
        return input;
    }

    /// <summary>Keeps each request's body as sent.</summary>
    private sealed class RecordingHandler(List<string> bodies) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            return await base.SendAsync(request, cancellationToken);
        }
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
