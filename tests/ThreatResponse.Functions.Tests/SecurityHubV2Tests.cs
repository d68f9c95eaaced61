using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using ThreatResponse.Functions.Hosting;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// GuardDutyResponder on the new Security Hub's <c>Findings Imported V2</c> events (the stack's optional V2 rule), against
/// moto_server and the Security Hub stand-in (model-checked <c>BatchUpdateFindingsV2</c>): contained, noted, and neither
/// re-triggered by our own note (which Security Hub sends again) nor done twice when GuardDuty sends the same finding
/// its own way.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class SecurityHubV2Tests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private const string V2EventFile = "securityhub-v2-guardduty-backdoor-web-instance.json";
    private const string MetadataUid = "3f9a6c1e5b7d4e2a8c0f1b3d5e7a9c2e4f6b8d0a1c3e5f7a9b2d4f6a8c0e2b4d";

    [Fact]
    public async Task GuardDutyResponder_V2FindingOfAnEc2Instance_ContainedNotedWithV2AndOurOwnUpdateNotActedOn()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();
        var @event = FunctionWorld.ProjectEvent(V2EventFile, scene.InstanceId);

        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event);

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Equal(["threat-response-isolation"], await ec2.GroupNamesAsync(scene.PrimaryEniId));
        Assert.Equal(["threat-response-isolation"], await ec2.GroupNamesAsync(scene.SecondaryEniId));
        Assert.Equal(2, await SnapshotCountAsync(ec2, scene.InstanceId));
        Assert.StartsWith("[ThreatResponse] Isolated", Assert.Single(await World.NotificationsAsync()).GetProperty("Subject").GetString(), StringComparison.Ordinal);
        Assert.Empty(World.SecurityHub.Violations);
        var noted = World.SecurityHub.Finding(MetadataUid);
        Assert.NotNull(noted);
        Assert.Equal("BatchUpdateFindingsV2", noted.Operation);
        Assert.Equal(2, noted.StatusId); // In Progress
        Assert.StartsWith("ThreatResponse tr-", noted.Note, StringComparison.Ordinal);
        Assert.Contains("isolate+snapshot succeeded", noted.Note, StringComparison.Ordinal);

        // Security Hub sends the finding again with our comment and status (its modified time unchanged): a new event.
        var ourUpdate = @event.DeepClone();
        ourUpdate["id"] = Guid.NewGuid().ToString();
        var finding = ourUpdate["detail"]!["findings"]![0]!;
        finding["comment"] = noted.Note;
        finding["status"] = "In Progress";
        finding["status_id"] = 2;
        using var again = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, ourUpdate);

        FunctionWorld.AssertOutcome("repeated", again);
        Assert.Empty(await World.NotificationsAsync()); // none since the first
        Assert.Single(World.SecurityHub.Requests); // no second note, so no further event: the loop ends here
        Assert.Equal(2, await SnapshotCountAsync(ec2, scene.InstanceId));

        // GuardDuty's own event for the same finding (the native rule): the ledger keys on GuardDuty's finding id.
        using var native = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("repeated", native);
        Assert.Empty(await World.NotificationsAsync());
        Assert.Single(World.SecurityHub.Requests);
        Assert.Equal(2, await SnapshotCountAsync(ec2, scene.InstanceId));
    }

    [Fact]
    public async Task GuardDutyResponder_NativeEventFirstThenTheSameFindingAsV2_ActsOnce()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();

        using var native = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));
        using var v2 = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent(V2EventFile, scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", native);
        FunctionWorld.AssertOutcome("repeated", v2);
        Assert.Single(await World.NotificationsAsync());
        Assert.Equal(2, await SnapshotCountAsync(ec2, scene.InstanceId));
        Assert.Null(World.SecurityHub.Finding(MetadataUid)); // noted once, on the ASFF finding the native path knows
    }

    [Fact]
    public async Task GuardDutyResponder_V2EventWithoutLedger_RefusedNothingChanged()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var original = await ec2.GroupIdsAsync(scene.PrimaryEniId);
        using var runtime = World.FixedRuntime(("LEDGER_TABLE_NAME", null));

        var refused = await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent(V2EventFile, scene.InstanceId)));

        Assert.Contains("need the ledger", refused.Message, StringComparison.Ordinal);
        Assert.Equal(original, await ec2.GroupIdsAsync(scene.PrimaryEniId));
        Assert.Empty(await World.NotificationsAsync());
        Assert.Empty(World.SecurityHub.Requests);
    }

    [Fact]
    public async Task GuardDutyResponder_V2FindingOfAnotherProduct_RefusedWithItsPath()
    {
        var @event = FunctionWorld.ProjectEvent(V2EventFile);
        @event["detail"]!["findings"]![0]!["metadata"]!["product"] = new JsonObject { ["name"] = "Inspector", ["uid"] = "arn:aws:securityhub:us-east-1::productv2/aws/inspector" };
        using var runtime = World.Runtime();

        var refused = await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event));

        Assert.Contains("$.detail.findings[0].metadata.product", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await World.NotificationsAsync());
    }

    [Fact]
    public async Task GuardDutyResponder_V2FindingNamedGuardDutyFromAnotherProduct_RefusedNothingChanged()
    {
        // An imported finding may call its product anything; only the product ARN, which Security Hub sets, says GuardDuty.
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var original = await ec2.GroupIdsAsync(scene.PrimaryEniId);
        var @event = FunctionWorld.ProjectEvent(V2EventFile, scene.InstanceId);
        @event["detail"]!["findings"]![0]!["metadata"]!["product"] = new JsonObject { ["name"] = "GuardDuty", ["uid"] = "arn:aws:securityhub:us-east-1:123456789012:productv2/123456789012/default" };
        using var runtime = World.Runtime();

        var refused = await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event));

        Assert.Contains("not GuardDuty", refused.Message, StringComparison.Ordinal);
        Assert.Equal(original, await ec2.GroupIdsAsync(scene.PrimaryEniId));
        Assert.Empty(await World.NotificationsAsync());
    }

    private static async Task<int> SnapshotCountAsync(Amazon.EC2.AmazonEC2Client ec2, string instanceId) =>
        ((await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Filter("tag:ThreatResponse:InstanceId", [instanceId])] })).Snapshots ?? []).Count;
}
