using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Core.Responses;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// A custom action on several findings claims them together, and each instance goes ahead on its own claim: one held by
/// another invocation neither delays nor blocks the rest, and is not passed off as done.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class ClaimsTogetherTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    [Fact]
    public async Task IsolateClick_TwoFindings_OneHeldByAnotherInvocation_TheOtherContainedAndToldThenTheDeliveryFailsForTheHeldOne()
    {
        using var ec2 = Moto.CreateEc2Client();
        var free = await Ec2Scene.CreateAsync(Moto, ec2);
        var held = await Ec2Scene.CreateAsync(Moto, ec2, "web-2", free.VpcId, free.SubnetId, free.ProfileArn);
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", free.InstanceId);
        var second = JsonNode.Parse(@event["detail"]!["findings"]![0]!.ToJsonString().Replace(free.InstanceId, held.InstanceId, StringComparison.Ordinal))!;
        var heldFinding = second["Id"]!.GetValue<string>() + "-2";
        second["Id"] = heldFinding;
        @event["detail"]!["findings"]!.AsArray().Add(second);

        // Another invocation claimed the second finding's decision a few seconds ago and is still at work.
        using (var dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonDynamoDBConfig())))
        {
            await dynamoDb.PutItemAsync("threat-response-ledger", new Dictionary<string, AttributeValue>
            {
                ["pk"] = new($"finding#{heldFinding}"),
                ["sk"] = new($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{held.InstanceId}"),
                ["decision"] = new("isolate"),
                ["status"] = new("in-progress"),
                ["byAnalyst"] = new() { BOOL = true },
                ["claimedAt"] = new() { N = DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
            });
        }

        World.Set("CLAIM_WAIT_SECONDS", "1");
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        var failed = await Assert.ThrowsAsync<ResponseUnderWayElsewhereException>(() => FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event));

        Assert.Equal(held.InstanceId, Assert.Single(failed.Decisions).Instance!.InstanceId.Value);
        Assert.Equal(["threat-response-isolation"], await ec2.GroupNamesAsync(free.PrimaryEniId));
        Assert.DoesNotContain("threat-response-isolation", await ec2.GroupNamesAsync(held.PrimaryEniId));
        var subjects = (await World.NotificationsAsync()).Select(n => n.GetProperty("Subject").GetString()!).ToList();
        Assert.Equal(2, subjects.Count);
        Assert.Contains(subjects, s => s.StartsWith("[ThreatResponse] Isolated", StringComparison.Ordinal) && s.Contains(free.InstanceId, StringComparison.Ordinal));
        Assert.Contains(subjects, s => s.StartsWith("[ThreatResponse] Delayed", StringComparison.Ordinal) && s.Contains(held.InstanceId, StringComparison.Ordinal));
    }
}
