using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Responses;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// What a chat channel subscribed to the topic (over HTTPS, as Amazon Q Developer in chat applications subscribes)
/// receives from the functions: the custom-notification schema, one thread per finding.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class ChatNotificationTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task IsolateClick_HeldThenDone_DelayedAndIsolatedInTheFindingsThread()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId);
        var findingId = @event["detail"]!["findings"]![0]!["Id"]!.GetValue<string>();
        using var chat = new SnsHttpSubscriber();
        await MotoSns.SubscribeAsync(Moto, World.TopicArn, "https", chat.For("chat"));
        using var dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonDynamoDBConfig()));
        var claim = new Dictionary<string, AttributeValue>
        {
            ["pk"] = new($"finding#{findingId}"),
            ["sk"] = new($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{scene.InstanceId}"),
        };

        // Another invocation claimed the decision a few seconds ago and is still at work: this delivery is delayed.
        await dynamoDb.PutItemAsync("threat-response-ledger", new Dictionary<string, AttributeValue>(claim)
        {
            ["decision"] = new("isolate"),
            ["status"] = new("in-progress"),
            ["byAnalyst"] = new() { BOOL = true },
            ["claimedAt"] = new() { N = DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
        });
        World.Set("CLAIM_WAIT_SECONDS", "1");
        using (var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime())
        {
            await Assert.ThrowsAsync<ResponseUnderWayElsewhereException>(() => FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event));
        }

        using var delayed = JsonDocument.Parse((await chat.NextAsync("chat", Delivery)).GetProperty("Message").GetString()!);

        // That invocation gave up without a trace; the analyst clicks again.
        await dynamoDb.DeleteItemAsync("threat-response-ledger", claim);
        @event["id"] = Guid.NewGuid().ToString();
        using (var runtime = World.Runtime())
        {
            using var output = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event);
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        using var isolated = JsonDocument.Parse((await chat.NextAsync("chat", Delivery)).GetProperty("Message").GetString()!);
        Assert.Equal("custom", delayed.RootElement.GetProperty("source").GetString());
        Assert.StartsWith(":hourglass_flowing_sand: Delayed:", Title(delayed), StringComparison.Ordinal);
        Assert.Equal($":white_check_mark: Isolated {scene.InstanceId} (web-1)", Title(isolated));
        Assert.Equal(ChatNotificationComposer.ThreadId([findingId]), ThreadId(delayed));
        Assert.Equal(ThreadId(delayed), ThreadId(isolated));
        Assert.Equal(2, (await World.NotificationsAsync()).Count);
    }

    private static string Title(JsonDocument chat) => chat.RootElement.GetProperty("content").GetProperty("title").GetString()!;

    private static string ThreadId(JsonDocument chat) => chat.RootElement.GetProperty("metadata").GetProperty("threadId").GetString()!;
}
