using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// A release click is carried out only from the finding the ledger records as isolating the instance. A member
/// account can import a finding naming any of its instances (<c>BatchImportFindings</c>); releasing from it is refused,
/// notified with the isolating finding's id, and changes nothing: groups, saved state, the ledger's release marks.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class ReleaseFromTheIsolatingFindingTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private const string GuardDutyEvent = "guardduty-backdoor-c2-web-instance.json";
    private const string ReleaseEvent = "securityhub-custom-action-release-web-instance.json";
    private const string IsolationGroup = "threat-response-isolation";
    private const string Imported = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default/imported-by-the-member-1";

    [Fact]
    public async Task ReleaseClick_OnAnImportedFindingNamingTheInstance_RefusedNotifiedNamingTheIsolatingFinding_NothingChanged_ThenReleasedFromTheIsolatingOne()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var guardDuty = FunctionWorld.ProjectEvent(GuardDutyEvent, scene.InstanceId);
        var isolating = guardDuty["detail"]!["arn"]!.GetValue<string>();
        using (var contained = await InvokeAsync("GuardDutyResponder", guardDuty))
        {
            FunctionWorld.AssertOutcome("succeeded", contained);
        }

        Assert.Equal([IsolationGroup], await ec2.GroupNamesAsync(scene.PrimaryEniId));
        await World.NotificationsAsync();

        var forged = FunctionWorld.ProjectEvent(ReleaseEvent, scene.InstanceId);
        var finding = forged["detail"]!["findings"]![0]!;
        finding["Id"] = Imported;
        finding["ProductArn"] = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
        using (var output = await InvokeAsync("ReleaseInstanceAction", forged))
        {
            Assert.NotEqual("succeeded", output.RootElement.GetProperty("outcome").GetString());
        }

        // Nothing changed: still isolated, the saved state not released, no finding marked released by an analyst.
        Assert.Equal([IsolationGroup], await ec2.GroupNamesAsync(scene.PrimaryEniId));
        Assert.False((await ItemAsync($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{scene.InstanceId}", "isolation-state"))!.ContainsKey("releasedAt"), "the saved state was marked released");
        Assert.False((await RecordAsync(isolating, scene.InstanceId))!.ContainsKey("releasedAt"), "the isolating finding was marked released");
        Assert.False((await RecordAsync(Imported, scene.InstanceId))?.ContainsKey("releasedAt") ?? false, "the imported finding was marked released");

        // Notified, naming the isolating finding.
        var notification = Assert.Single(await World.NotificationsAsync());
        var text = notification.GetProperty("Subject").GetString() + notification.GetProperty("Message").GetString();
        Assert.Contains($"was isolated for finding {isolating}", text, StringComparison.Ordinal);
        Assert.Contains("refused", text, StringComparison.Ordinal);

        // The isolating finding's own release click is carried out.
        using (var released = await InvokeAsync("ReleaseInstanceAction", FunctionWorld.ProjectEvent(ReleaseEvent, scene.InstanceId)))
        {
            FunctionWorld.AssertOutcome("succeeded", released);
        }

        Assert.Equal(scene.PrimaryGroups.Order(), await ec2.GroupIdsAsync(scene.PrimaryEniId));
        Assert.True((await RecordAsync(isolating, scene.InstanceId))!.ContainsKey("releasedAt"));
    }

    [Fact]
    public async Task OperatorsReleaseByInstance_AfterAClickOnAnotherFindingWasRefused_StillReleases()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using (await InvokeAsync("GuardDutyResponder", FunctionWorld.ProjectEvent(GuardDutyEvent, scene.InstanceId)))
        {
        }

        var forged = FunctionWorld.ProjectEvent(ReleaseEvent, scene.InstanceId);
        forged["detail"]!["findings"]![0]!["Id"] = Imported;
        using (await InvokeAsync("ReleaseInstanceAction", forged))
        {
        }

        Assert.Equal([IsolationGroup], await ec2.GroupNamesAsync(scene.PrimaryEniId));

        // What threat-response release --instance asks of the engine: no finding, so no finding to match.
        using var runtime = World.Runtime();
        var instance = new ThreatResponse.Core.Findings.InstanceReference(ThreatResponse.Core.Findings.InstanceId.Parse(scene.InstanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);
        var report = await runtime.Engine.RunAsync(new ThreatResponse.Core.Containment.ContainmentRequest(null, [instance], [ThreatResponse.Core.Containment.ContainmentAction.Release], DryRun: false), CancellationToken.None);

        Assert.True(report.Outcome == ThreatResponse.Core.Containment.StepOutcome.Succeeded, Assert.Single(report.Instances).Reason);
        Assert.Equal(scene.PrimaryGroups.Order(), await ec2.GroupIdsAsync(scene.PrimaryEniId));
    }

    private async Task<JsonDocument> InvokeAsync(string function, JsonNode @event)
    {
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.ActionOf(function)).Runtime();
        return await FunctionWorld.InvokeAsync(FunctionWorld.Handler(function, runtime), @event);
    }

    /// <summary>The ledger's record of a finding and instance (claims, outcome, an analyst's release).</summary>
    private Task<Dictionary<string, AttributeValue>?> RecordAsync(string findingId, string instanceId) =>
        ItemAsync($"finding#{ThreatResponse.Core.Containment.FindingKey.Of(findingId)}", $"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{instanceId}");

    private async Task<Dictionary<string, AttributeValue>?> ItemAsync(string pk, string sk)
    {
        using var dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonDynamoDBConfig()));
        var item = await dynamoDb.GetItemAsync(new GetItemRequest { TableName = "threat-response-ledger", Key = new() { ["pk"] = new(pk), ["sk"] = new(sk) } });
        return item.Item is { Count: > 0 } found ? found : null;
    }
}
