using Amazon.EC2.Model;
using ThreatResponse.Functions.Hosting;
using ThreatResponse.Functions.Tests.Template;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// EC2's termination event through InstanceTerminatedResponder against moto_server, with the ledger: an isolated
/// instance's network ACL entries and saved state go; an instance never isolated is left alone.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class InstanceTerminatedResponderTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    [Fact]
    public async Task Terminated_IsolatedInstance_ItsAclEntriesRemovedAndSavedStateMarkedReleasedWithExactlyTheRolesCalls()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using (var isolate = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime())
        {
            using var isolated = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(isolate).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", isolated);
        }

        Assert.Equal(4, await DenyEntriesAsync(ec2, scene.VpcId));
        await ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = scene.InstanceId, DisableApiTermination = false });
        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [scene.InstanceId] });
        World.AwsProxy.Clear();

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new InstanceTerminatedResponder(runtime).HandleAsync, TerminatedEvent(scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Equal(0, await DenyEntriesAsync(ec2, scene.VpcId));
        Assert.True((await LedgerStateAsync(scene.InstanceId))?.ContainsKey("releasedAt"), "the saved state is not kept marked released");
        var observed = World.AwsProxy.Calls.Select(c => $"{c.Service}:{c.Operation}").ToHashSet(StringComparer.Ordinal);
        var allowed = await SamTemplate.AllowedActionsAsync(nameof(InstanceTerminatedResponder));
        Assert.Empty(observed.Except(allowed).Order());
        Assert.Empty(allowed.Except(observed).Where(a => !RolePermissionTests.Unobservable.ContainsKey(a)).Order());
    }

    [Fact]
    public async Task ForgedTermination_IsolatedInstanceStillRunning_RefusedWithTheReason_NothingReleasedOrRemoved()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using (var isolate = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime())
        {
            using var isolated = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(isolate).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", isolated);
        }

        var groups = await ec2.GroupIdsAsync(scene.PrimaryEniId);
        Assert.Equal(4, await DenyEntriesAsync(ec2, scene.VpcId));
        World.AwsProxy.Clear();

        // Anyone allowed to invoke the function can say the instance was terminated; EC2 says it is running.
        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new InstanceTerminatedResponder(runtime).HandleAsync, TerminatedEvent(scene.InstanceId));

        FunctionWorld.AssertOutcome("refused", output);
        Assert.Contains(output.RootElement.GetProperty("steps").EnumerateArray(), s => s.GetString()!.Contains("EC2 says it is running; nothing changed", StringComparison.Ordinal));
        Assert.Equal(groups, await ec2.GroupIdsAsync(scene.PrimaryEniId));
        Assert.Equal(4, await DenyEntriesAsync(ec2, scene.VpcId));
        Assert.False((await LedgerStateAsync(scene.InstanceId))!.ContainsKey("releasedAt"), "the saved state was marked released");
        Assert.All(World.AwsProxy.Calls.Where(c => c.Service != "dynamodb" && c.Service != "sts"), c => Assert.StartsWith("ec2:Describe", $"{c.Service}:{c.Operation}", StringComparison.Ordinal));
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Service == "dynamodb" && c.Operation is not ("GetItem" or "Query"));
        Assert.Contains(World.LogLines(), l => l.ToString().Contains("termination event refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Terminated_InstanceNeverIsolated_NothingChanged()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [scene.InstanceId] });
        World.AwsProxy.Clear();

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new InstanceTerminatedResponder(runtime).HandleAsync, TerminatedEvent(scene.InstanceId));

        FunctionWorld.AssertOutcome("skipped", output);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "DeleteNetworkAclEntry" or "DeleteItem" || c.Operation.StartsWith("Modify", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Event_NotATermination_RefusedWithThePathAndNothingCalled()
    {
        var @event = TerminatedEvent("i-0123456789abcdef0");
        @event["detail"]!["instance-id"] = "not-an-instance";
        using var runtime = World.Runtime();

        var refused = await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(new InstanceTerminatedResponder(runtime).HandleAsync, @event));

        Assert.Contains("$.detail['instance-id']", refused.Message, StringComparison.Ordinal);
        Assert.Empty(World.AwsProxy.Calls);
    }

    private static System.Text.Json.Nodes.JsonNode TerminatedEvent(string instanceId) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Testing.Corpus.RepositoryRoot.Path, "events", "ec2-instance-terminated.json"))
            .Replace("i-0123456789abcdef0", instanceId, StringComparison.Ordinal))!;

    private static async Task<int> DenyEntriesAsync(Amazon.EC2.AmazonEC2Client ec2, string vpcId) =>
        (await ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { Filters = [new Filter("vpc-id", [vpcId])] })).NetworkAcls
            .SelectMany(a => a.Entries).Count(e => e.RuleAction.Value == "deny" && e.RuleNumber < 32767);

    private async Task<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>?> LedgerStateAsync(string instanceId)
    {
        using var dynamoDb = new Amazon.DynamoDBv2.AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new Amazon.DynamoDBv2.AmazonDynamoDBConfig()));
        var item = await dynamoDb.GetItemAsync(new Amazon.DynamoDBv2.Model.GetItemRequest
        {
            TableName = "threat-response-ledger",
            Key = new() { ["pk"] = new($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{instanceId}"), ["sk"] = new("isolation-state") },
        });
        return item.Item is { Count: > 0 } found ? found : null;
    }
}
