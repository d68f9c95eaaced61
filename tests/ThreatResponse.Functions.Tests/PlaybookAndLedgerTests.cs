using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using ThreatResponse.Core.Responses;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>GuardDutyResponder with the playbook from SSM and the ledger in DynamoDB, against moto_server.</summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class PlaybookAndLedgerTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private const string EventFile = "guardduty-backdoor-c2-web-instance.json";


    [Fact]
    public async Task GuardDutyResponder_SameEventThreeTimes_OneSnapshotSetOneNotification()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();
        var @event = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);

        var outcomes = new List<string>();
        for (var delivery = 0; delivery < 3; delivery++)
        {
            using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event);
            outcomes.Add(output.RootElement.GetProperty("outcome").GetString()!);
        }

        Assert.Equal(["succeeded", "repeated", "repeated"], outcomes);
        Assert.Equal(2, (await SnapshotsAsync(ec2, scene.InstanceId)).Count);
        Assert.Single(await World.NotificationsAsync());
        var record = await LedgerRecordAsync(@event, scene.InstanceId);
        Assert.Equal("succeeded", record["status"].S);
        Assert.Equal("isolate+snapshot", record["decision"].S);
        Assert.Equal("high-severity-actor", record["rule"].S);
        Assert.Equal("3", record["deliveries"].N);
    }

    [Fact]
    public async Task GuardDutyResponder_ClaimLeftByAnInvocationThatDied_RetryFailsUntilTheClaimLifetimeThenContains()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var @event = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);

        // An invocation that dies after its claim: its EC2 calls never get an answer and it is abandoned, as a killed
        // process (a timeout, an out-of-memory, a lost host) would be. Its claim stays "in progress" in the ledger.
        var hang = new RecordingProxy(Moto.Endpoint);
        hang.Inject(c => c.Service == "ec2", new ProxyFault.Delay(TimeSpan.FromMinutes(10)));
        // Its timeout is short so that its retries, which last until its deadline, end soon after the test is done with it.
        var dying = World.FixedRuntime(("AWS_ENDPOINT_URL", hang.Endpoint.ToString()), ("FUNCTION_TIMEOUT_SECONDS", "30"));
        var abandoned = FunctionWorld.InvokeAsync(new GuardDutyResponder(dying).HandleAsync, @event);
        for (var i = 0; i < 200 && !(hang.Calls.Any(c => c.Service == "ec2") && hang.Calls.Any(c => c.Service == "dynamodb")); i++)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);

        Assert.Equal("in-progress", (await LedgerRecordAsync(@event, scene.InstanceId))!["status"].S);

        try
        {
            // Lambda's first retry, a minute later: the claim is still young, so the delivery fails instead of passing
            // for a success; nothing is changed, nothing notified.
            World.Set("CLAIM_WAIT_SECONDS", "1");
            using (var retry = World.Runtime())
            {
                var held = await Assert.ThrowsAsync<ResponseUnderWayElsewhereException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(retry).HandleAsync, @event));
                Assert.Contains("another invocation", held.Message, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("threat-response-isolation", (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0].Groups.Select(g => g.GroupName));
            Assert.StartsWith("[ThreatResponse] Delayed:", Assert.Single(await World.NotificationsAsync()).GetProperty("Subject").GetString(), StringComparison.Ordinal);

            // The second retry comes after the claim's lifetime (longer than the function's timeout): it takes over.
            using var later = World.Runtime(new ShiftedTime(ThreatResponse.Aws.Ledger.DynamoDbResponseLedger.ClaimLifetime + TimeSpan.FromSeconds(1)));
            using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(later).HandleAsync, @event);

            FunctionWorld.AssertOutcome("succeeded", output);
            Assert.Equal(["threat-response-isolation"], (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0].Groups.Select(g => g.GroupName));
            Assert.Single(await World.NotificationsAsync());
            Assert.Equal("succeeded", (await LedgerRecordAsync(@event, scene.InstanceId))!["status"].S);
        }
        finally
        {
            // The dead invocation's connections go with its proxy; whatever it tries after that reaches nothing.
            hang.Dispose();
            await abandoned.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(90));
            dying.Dispose();
        }
    }

    [Fact]
    public async Task GuardDutyResponder_ClaimWrittenButItsAnswerLost_TheSdkRetryKnowsItsOwnClaimAndContains()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var @event = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);

        // The claim reaches DynamoDB and is written, but its answer never comes back (a reset connection, a timeout):
        // the SDK sends the same claim again, and the condition refuses it, because the first attempt holds the item.
        using var proxy = new RecordingProxy(Moto.Endpoint);
        proxy.Inject(c => c.Operation == "UpdateItem" && c.Body.Contains("claimToken", StringComparison.Ordinal), new ProxyFault.LoseAnswer(), times: 1);
        using var runtime = World.FixedRuntime(("AWS_ENDPOINT_URL", proxy.Endpoint.ToString()));
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event);

        Assert.True(proxy.Calls.Count(c => c.Operation == "UpdateItem" && c.Body.Contains("claimToken", StringComparison.Ordinal)) >= 2, "the claim was sent again");
        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Equal(["threat-response-isolation"], (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0].Groups.Select(g => g.GroupName));
        Assert.StartsWith("[ThreatResponse] Isolated", Assert.Single(await World.NotificationsAsync()).GetProperty("Subject").GetString(), StringComparison.Ordinal);
        Assert.Equal("succeeded", (await LedgerRecordAsync(@event, scene.InstanceId))!["status"].S);
    }

    /// <summary>The system clock, moved on: a later delivery without waiting for it.</summary>
    private sealed class ShiftedTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }

    [Fact]
    public async Task GuardDutyResponder_ThreeDeliveriesAtOnce_OnlyOneActs()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();
        var @event = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);

        var outputs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event)));

        Assert.Equal(1, outputs.Count(o => o.RootElement.GetProperty("outcome").GetString() == "succeeded"));
        Assert.Equal(2, outputs.Count(o => o.RootElement.GetProperty("outcome").GetString() == "repeated"));
        Assert.Equal(2, (await SnapshotsAsync(ec2, scene.InstanceId)).Count);
        Assert.Single(await World.NotificationsAsync());
    }

    [Fact]
    public async Task GuardDutyResponder_FindingResentWithHigherCount_NotNotifiedAgain()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();
        var first = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);
        var resent = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);
        resent["id"] = Guid.NewGuid().ToString();
        resent["detail"]!["service"]!["count"] = 41;
        resent["detail"]!["updatedAt"] = "2026-11-26T10:07:55.000Z";

        await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, first);
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, resent);

        FunctionWorld.AssertOutcome("repeated", output);
        Assert.Single(await World.NotificationsAsync());
        Assert.Equal(2, (await SnapshotsAsync(ec2, scene.InstanceId)).Count);
    }

    [Fact]
    public async Task GuardDutyResponder_ResentFindingWhoseDecisionChanged_ActsAndNotifies()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();
        var low = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);
        low["detail"]!["severity"] = 5;
        low["detail"]!["type"] = "Recon:EC2/Portscan";
        var high = FunctionWorld.ProjectEvent(EventFile, scene.InstanceId);
        high["detail"]!["type"] = "Recon:EC2/Portscan";

        using var first = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, low);
        using var second = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, high);

        FunctionWorld.AssertOutcome("skipped", first);
        FunctionWorld.AssertOutcome("succeeded", second);
        Assert.Equal(2, (await World.NotificationsAsync()).Count);
        var record = await LedgerRecordAsync(high, scene.InstanceId);
        Assert.Equal("isolate+snapshot", record["decision"].S);
    }

    [Fact]
    public async Task GuardDutyResponder_PlaybookFromSsm_DecidesByItsRules()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await PutPlaybookAsync("""
                version: 1
                rules:
                  - name: production-web-snapshot-only
                    match:
                      instanceTags: { Environment: prod* }
                    actions: [snapshot]
                  - name: default
                    actions: [notify]
                """);
        using var runtime = World.Set("PLAYBOOK_PARAMETER_NAME", "/threat-response/playbook").Runtime();

        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent(EventFile, scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Equal(2, (await SnapshotsAsync(ec2, scene.InstanceId)).Count);
        var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0];
        Assert.Equal(scene.PrimaryGroups, eni.Groups.Select(g => g.GroupId));
        Assert.StartsWith("[ThreatResponse] Snapshotted ", Assert.Single(await World.NotificationsAsync()).GetProperty("Subject").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuardDutyResponder_InvalidPlaybookInSsm_NotifiesTheErrorContainsNothingCountsMetric()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await PutPlaybookAsync("version: 1\nrules:\n  - name: all\n    actions: [isolate, explode]\n");
        using var runtime = World.Set("PLAYBOOK_PARAMETER_NAME", "/threat-response/playbook").Runtime();

        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent(EventFile, scene.InstanceId));

        FunctionWorld.AssertOutcome("skipped", output);
        var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0];
        Assert.Equal(scene.PrimaryGroups, eni.Groups.Select(g => g.GroupId));
        var notification = Assert.Single(await World.NotificationsAsync());
        using var message = JsonDocument.Parse(notification.GetProperty("Message").GetString()!);
        Assert.Contains("rules[0].actions[1]: 'explode' is not one of notify, isolate, snapshot, stop, revoke-sessions, collect", message.RootElement.GetProperty("findings")[0].GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains(World.LogLines(), l => l.TryGetProperty("PlaybookInvalid", out var count) && count.GetInt32() == 1);
    }

    [Fact]
    public async Task IsolateThenRelease_WithLedger_StateKeptInDynamoDbNotTags()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using (var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime())
        {
            await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId));
        }

        var tags = (await ec2.DescribeTagsAsync(new DescribeTagsRequest { Filters = [new Amazon.EC2.Model.Filter("resource-id", [scene.InstanceId])] })).Tags;
        Assert.DoesNotContain(tags, t => t.Key.StartsWith("ThreatResponse:State:", StringComparison.Ordinal));

        using (var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.ReleaseAction).Runtime())
        {
            using var released = await FunctionWorld.InvokeAsync(new ReleaseInstanceAction(runtime).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-release-web-instance.json", scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", released);
        }

        var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.SecondaryEniId] })).NetworkInterfaces[0];
        Assert.Equal(scene.SecondaryGroups.Order(), eni.Groups.Select(g => g.GroupId).Order());
    }

    private async Task PutPlaybookAsync(string playbook)
    {
        using var ssm = new AmazonSimpleSystemsManagementClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonSimpleSystemsManagementConfig()));
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/threat-response/playbook", Type = ParameterType.String, Value = playbook });
    }

    private static async Task<List<Snapshot>> SnapshotsAsync(Amazon.EC2.AmazonEC2Client ec2, string instanceId) =>
        (await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Amazon.EC2.Model.Filter("tag:ThreatResponse:InstanceId", [instanceId])] })).Snapshots ?? [];

    private async Task<Dictionary<string, AttributeValue>> LedgerRecordAsync(JsonNode @event, string instanceId)
    {
        using var dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonDynamoDBConfig()));
        var item = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = "threat-response-ledger",
            Key = new Dictionary<string, AttributeValue>
            {
                ["pk"] = new($"finding#{@event["detail"]!["arn"]!.GetValue<string>()}"),
                ["sk"] = new($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{instanceId}"),
            },
            ConsistentRead = true,
        });
        Assert.True(item.IsItemSet, "no ledger record");
        return item.Item;
    }
}
