using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// An analyst's word against automatic response, with the ledger in moto's DynamoDB: a release stands against later
/// updates of the same finding, a repeated click is answered and re-checks, and only a second delivery of the very
/// same event stays silent.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class AnalystOutranksAutomationTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private const string GuardDutyEvent = "guardduty-backdoor-c2-web-instance.json";
    private const string IsolateEvent = "securityhub-custom-action-isolate-web-instance.json";
    private const string ReleaseEvent = "securityhub-custom-action-release-web-instance.json";
    private const string IsolationGroup = "threat-response-isolation";

    [Fact]
    public async Task GuardDutyUpdate_AfterAnAnalystsRelease_AnsweredAndNotedNotContained_SameEventAgainSilent()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var first = FunctionWorld.ProjectEvent(GuardDutyEvent, scene.InstanceId);
        await InvokeAsync("GuardDutyResponder", first);
        Assert.Equal([IsolationGroup], await ec2.GroupNamesAsync(scene.PrimaryEniId));
        await InvokeAsync("ReleaseInstanceAction", FunctionWorld.ProjectEvent(ReleaseEvent, scene.InstanceId));
        Assert.Equal(scene.PrimaryGroups.Order(), await ec2.GroupIdsAsync(scene.PrimaryEniId));
        Assert.Equal(2, (await World.NotificationsAsync()).Count);

        // GuardDuty re-sends the active finding with a growing count: a new event, the decision "isolate+snapshot" again.
        var update = Resent(first, count: 41);
        using (var output = await InvokeAsync("GuardDutyResponder", update))
        {
            FunctionWorld.AssertOutcome("skipped", output);
        }

        Assert.Equal(scene.PrimaryGroups.Order(), await ec2.GroupIdsAsync(scene.PrimaryEniId));
        var answer = Assert.Single(await World.NotificationsAsync());
        Assert.Contains("released by an analyst at", answer.GetProperty("Subject").GetString() + answer.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Contains("not re-contained", World.SecurityHub.Finding(FindingId(first))!.Note, StringComparison.Ordinal);

        // EventBridge delivers that same event again: nothing to say twice.
        using (var again = await InvokeAsync("GuardDutyResponder", update))
        {
            FunctionWorld.AssertOutcome("repeated", again);
        }

        Assert.Empty(await World.NotificationsAsync());
        Assert.Equal(scene.PrimaryGroups.Order(), await ec2.GroupIdsAsync(scene.PrimaryEniId));
    }

    [Fact]
    public async Task GuardDutyUpdate_AfterRelease_MoreSevereAndTheRuleSaysSo_ContainedAgain_NotMoreSevere_NotContained()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var ssm = new AmazonSimpleSystemsManagementClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonSimpleSystemsManagementConfig()));
        await ssm.PutParameterAsync(new PutParameterRequest
        {
            Name = "/threat-response/playbook-override-release",
            Type = ParameterType.String,
            Overwrite = true,
            Value = "version: 1\nrules:\n  - name: contain-high\n    match: { severityAtLeast: 7 }\n    actions: [isolate]\n    moreSevereOverridesRelease: true\n  - name: default\n    actions: [notify]\n",
        });
        World.Set("PLAYBOOK_PARAMETER_NAME", "/threat-response/playbook-override-release");
        var first = FunctionWorld.ProjectEvent(GuardDutyEvent, scene.InstanceId);
        using (var contained = await InvokeAsync("GuardDutyResponder", first))
        {
            Assert.True(contained.RootElement.GetProperty("outcome").GetString() == "succeeded", contained.RootElement.ToString());
        }

        await InvokeAsync("ReleaseInstanceAction", FunctionWorld.ProjectEvent(ReleaseEvent, scene.InstanceId));
        await World.NotificationsAsync();

        // As severe as when released (8): the release stands.
        using (var same = await InvokeAsync("GuardDutyResponder", Resent(first, count: 12)))
        {
            FunctionWorld.AssertOutcome("skipped", same);
        }

        Assert.Equal(scene.PrimaryGroups.Order(), await ec2.GroupIdsAsync(scene.PrimaryEniId));

        // More severe (8.9): the rule says contain all the same.
        var worse = Resent(first, count: 30);
        worse["detail"]!["severity"] = 8.9;
        using (var output = await InvokeAsync("GuardDutyResponder", worse))
        {
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        Assert.Equal([IsolationGroup], await ec2.GroupNamesAsync(scene.PrimaryEniId));
    }

    [Fact]
    public async Task IsolateClick_Again_ReChecksRepairsWhatWasUndoneAndAnswersAlreadyDone_SameClickDeliveredTwiceSilent()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var click = FunctionWorld.ProjectEvent(IsolateEvent, scene.InstanceId);
        await InvokeAsync("IsolateInstanceAction", click);
        Assert.Single(await World.NotificationsAsync());

        // Someone undoes part of the isolation by hand: the secondary ENI back in its own groups.
        await ec2.ModifyNetworkInterfaceAttributeAsync(new ModifyNetworkInterfaceAttributeRequest { NetworkInterfaceId = scene.SecondaryEniId, Groups = [.. scene.SecondaryGroups] });

        var second = JsonNode.Parse(click.ToJsonString())!;
        second["id"] = Guid.NewGuid().ToString();
        using (var output = await InvokeAsync("IsolateInstanceAction", second))
        {
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        Assert.Equal([IsolationGroup], await ec2.GroupNamesAsync(scene.SecondaryEniId));
        var answer = Assert.Single(await World.NotificationsAsync());
        using (var message = JsonDocument.Parse(answer.GetProperty("Message").GetString()!))
        {
            var summary = message.RootElement.GetProperty("findings")[0].GetProperty("summary").GetString()!;
            Assert.Contains("repeated request: isolate of " + scene.InstanceId + " already done", summary, StringComparison.Ordinal);
        }

        Assert.Contains("already done", World.SecurityHub.Finding(FindingId(click))!.Note, StringComparison.Ordinal);

        // The same click delivered twice by EventBridge: one answer only.
        using (var duplicate = await InvokeAsync("IsolateInstanceAction", second))
        {
            FunctionWorld.AssertOutcome("repeated", duplicate);
        }

        Assert.Empty(await World.NotificationsAsync());
    }

    [Fact]
    public async Task ReleaseClick_Again_AnsweredAlreadyReleasedNothingChanged()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await InvokeAsync("IsolateInstanceAction", FunctionWorld.ProjectEvent(IsolateEvent, scene.InstanceId));
        var release = FunctionWorld.ProjectEvent(ReleaseEvent, scene.InstanceId);
        await InvokeAsync("ReleaseInstanceAction", release);
        await World.NotificationsAsync();

        var again = JsonNode.Parse(release.ToJsonString())!;
        again["id"] = Guid.NewGuid().ToString();
        using (var output = await InvokeAsync("ReleaseInstanceAction", again))
        {
            FunctionWorld.AssertOutcome("skipped", output);
        }

        var answer = Assert.Single(await World.NotificationsAsync());
        Assert.Contains("already released", answer.GetProperty("Subject").GetString() + answer.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Equal(scene.PrimaryGroups.Order(), await ec2.GroupIdsAsync(scene.PrimaryEniId));
    }

    private async Task<JsonDocument> InvokeAsync(string function, JsonNode @event)
    {
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.ActionOf(function)).Runtime();
        return await FunctionWorld.InvokeAsync(FunctionWorld.Handler(function, runtime), @event);
    }

    private static JsonNode Resent(JsonNode @event, int count)
    {
        var resent = JsonNode.Parse(@event.ToJsonString())!;
        resent["id"] = Guid.NewGuid().ToString();
        resent["detail"]!["service"]!["count"] = count;
        resent["detail"]!["updatedAt"] = "2026-11-26T16:07:55.000Z";
        return resent;
    }

    private static string FindingId(JsonNode @event) =>
        @event["detail"]!["arn"]?.GetValue<string>() ?? @event["detail"]!["findings"]![0]!["Id"]!.GetValue<string>();

}
