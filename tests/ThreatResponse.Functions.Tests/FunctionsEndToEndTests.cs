using System.Text.Json;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;
using ThreatResponse.Functions.Hosting;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>Each function end to end against moto_server and the Security Hub stand-in: EC2 state, the SNS message, the finding update.</summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class FunctionsEndToEndTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{


    [Fact]
    public async Task GuardDutyResponder_HighSeverityEnforce_IsolatesSnapshotsNotifiesAndNotesFinding()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();

        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0];
        Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName);
        var snapshots = await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Filter("tag:ThreatResponse:InstanceId", [scene.InstanceId])] });
        Assert.Equal(2, snapshots.Snapshots.Count);

        var notification = Assert.Single(await World.NotificationsAsync());
        Assert.Equal($"[ThreatResponse] Isolated+snapshotted {scene.InstanceId} (web-1) - Backdoor:EC2/C&CActivity.B HIGH", notification.GetProperty("Subject").GetString());
        Assert.Equal("succeeded", notification.GetProperty("MessageAttributes").GetProperty("outcome").GetProperty("Value").GetString());

        var findingId = output.RootElement.GetProperty("findings")[0].GetProperty("id").GetString()!;
        var update = World.SecurityHub.Finding(findingId);
        Assert.NotNull(update);
        Assert.Equal("NOTIFIED", update.WorkflowStatus);
        Assert.Equal("arn:aws:securityhub:us-east-1::product/aws/guardduty", update.ProductArn);
        Assert.Empty(World.SecurityHub.Violations);

        var lines = World.LogLines();
        Assert.Contains(lines, l => l.TryGetProperty("message", out var m) && m.GetString() == "instance response"
            && l.GetProperty("instance").GetString() == scene.InstanceId && l.GetProperty("action").GetString() == "isolate"
            && l.GetProperty("outcome").GetString() == "succeeded" && l.GetProperty("findingId").GetString() == findingId && l.TryGetProperty("durationMs", out _));
        var metrics = Assert.Single(lines, l => l.TryGetProperty("_aws", out _));
        Assert.Equal("ThreatResponse", metrics.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Namespace").GetString());
        Assert.Equal(1, metrics.GetProperty("Responses").GetInt32());
    }

    [Theory]
    [InlineData("dry-run", "[ThreatResponse] DRY RUN ")]
    [InlineData("off", "No action: AUTO_RESPONSE_MODE=off")]
    public async Task GuardDutyResponder_NotEnforcing_ChangesNothingAndSaysSo(string mode, string subjectPart)
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Set("AUTO_RESPONSE_MODE", mode).Runtime();

        try
        {
            await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));
        }
        catch (ResponseFailedException e) when (mode == "dry-run")
        {
            // moto 5.2 acts on DryRun ModifyInstanceMetadataOptions; the adapter reports that instead of claiming a dry run.
            // Real EC2 answers DryRunOperation. Any other failure is a real one.
            var failed = e.Result!.Summary.Report.Instances.SelectMany(i => i.Steps).Where(s => s.Outcome == StepOutcome.Failed).ToList();
            Assert.All(failed, s => Assert.Equal("DryRunNotHonoured", s.ErrorCode));
        }

        var groups = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.SecondaryEniId] })).NetworkInterfaces[0].Groups;
        Assert.Equal(scene.SecondaryGroups.Order(), groups.Select(g => g.GroupId).Order());
        Assert.Contains(subjectPart, Assert.Single(await World.NotificationsAsync()).GetProperty("Subject").GetString(), StringComparison.Ordinal);
        var update = World.SecurityHub.Finding(World.SecurityHub.Requests[0].GetProperty("FindingIdentifiers")[0].GetProperty("Id").GetString()!);
        Assert.Null(update!.WorkflowStatus);
    }

    [Fact]
    public async Task IsolateThenReleaseActions_AnalystButtons_ContainAndRestore()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);

        using (var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime())
        {
            using var isolated = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", isolated);
        }

        var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.SecondaryEniId] })).NetworkInterfaces[0];
        Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName);

        using (var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.ReleaseAction).Runtime())
        {
            using var released = await FunctionWorld.InvokeAsync(new ReleaseInstanceAction(runtime).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-release-web-instance.json", scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", released);
        }

        eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.SecondaryEniId] })).NetworkInterfaces[0];
        Assert.Equal(scene.SecondaryGroups.Order(), eni.Groups.Select(g => g.GroupId).Order());
        var notifications = await World.NotificationsAsync();
        Assert.Equal(2, notifications.Count);
        Assert.StartsWith("[ThreatResponse] Released ", notifications[1].GetProperty("Subject").GetString(), StringComparison.Ordinal);
        Assert.Empty(World.SecurityHub.Violations);
    }

    [Fact]
    public async Task CustomAction_EventForAnotherAction_RejectedWithoutTouchingAnything()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.StopAction).Runtime();
        World.AwsProxy.Clear();

        var error = await Assert.ThrowsAsync<InvalidEventException>(() =>
            FunctionWorld.InvokeAsync(new StopInstanceAction(runtime).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId)));

        Assert.Contains("$.resources names arn:aws:securityhub:us-east-1:123456789012:action/custom/TRIsolate", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Service is "ec2" or "sns");
        Assert.Empty(World.SecurityHub.Requests);
        Assert.Equal("running", (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [scene.InstanceId] })).Reservations[0].Instances[0].State.Name.Value);
    }

    [Fact]
    public async Task GuardDutyResponder_MalformedEvent_RejectedWithJsonPath()
    {
        using var runtime = World.Runtime();
        var broken = FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json");
        broken["detail"]!["resource"]!["instanceDetails"]!["instanceId"] = "i-NOTHEX";

        var error = await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, broken));

        Assert.Contains("$.detail.resource.instanceDetails.instanceId", error.Message, StringComparison.Ordinal);
        Assert.Empty(await World.NotificationsAsync());
        Assert.Contains(World.LogLines(), l => l.GetProperty("level").GetString() == "ERROR");
    }

    [Fact]
    public async Task ReleaseAction_NeverIsolated_NotifiesThenThrowsForRetry()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.ReleaseAction).Runtime();

        var error = await Assert.ThrowsAsync<ResponseFailedException>(() =>
            FunctionWorld.InvokeAsync(new ReleaseInstanceAction(runtime).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-release-web-instance.json", scene.InstanceId)));

        Assert.Contains("no saved pre-isolation state", error.Message, StringComparison.Ordinal);
        var notification = Assert.Single(await World.NotificationsAsync());
        Assert.Contains("FAILED to release", notification.GetProperty("Subject").GetString(), StringComparison.Ordinal);
        Assert.Contains("failed", World.SecurityHub.Finding(error.Result!.Summary.Findings[0].Finding.Id)!.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateAction_SecurityHubKeepsFailing_NotifiesThenThrowsForRetry()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId);
        World.SecurityHub.LeaveUnprocessed(@event["detail"]!["findings"]![0]!["Id"]!.GetValue<string>(), "InternalFailure");

        var error = await Assert.ThrowsAsync<ResponseFailedException>(() => FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event));

        Assert.Contains("not processed", error.Message, StringComparison.Ordinal);
        Assert.Equal(StepOutcome.Succeeded, error.Result!.Summary.Outcome);
        var notification = Assert.Single(await World.NotificationsAsync());
        using var message = JsonDocument.Parse(notification.GetProperty("Message").GetString()!);
        var failed = Assert.Single(message.RootElement.GetProperty("findingUpdatesFailed").EnumerateArray().ToList());
        Assert.Equal("InternalFailure", failed.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task IsolateAction_SecurityHubRefusesForGood_ContainedNotifiedAndNotRetried()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId);
        World.SecurityHub.LeaveUnprocessed(@event["detail"]!["findings"]![0]!["Id"]!.GetValue<string>(), "AccessDeniedException");

        // A refusal no retry can change (the adapter's judgement) does not make Lambda run the response again.
        using var output = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event);

        FunctionWorld.AssertOutcome("succeeded", output);
        var unprocessed = Assert.Single(output.RootElement.GetProperty("findingUpdatesUnprocessed").EnumerateArray().ToList());
        Assert.Equal("AccessDeniedException", unprocessed.GetProperty("errorCode").GetString());
        Assert.False(unprocessed.GetProperty("worthRetrying").GetBoolean());
        var notification = Assert.Single(await World.NotificationsAsync());
        using var message = JsonDocument.Parse(notification.GetProperty("Message").GetString()!);
        Assert.Equal("AccessDeniedException", Assert.Single(message.RootElement.GetProperty("findingUpdatesFailed").EnumerateArray().ToList()).GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task IsolateAction_FindingFromAnotherAccountNamesOurInstance_RefusedUntouchedAndNotified()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId);

        // A finding imported in (or forged for) account 444455556666 naming an instance of 123456789012.
        @event["detail"]!["findings"]![0]!["AwsAccountId"] = "444455556666";
        using var output = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event);

        FunctionWorld.AssertOutcome("skipped", output);
        var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0];
        Assert.Equal(scene.PrimaryGroups, eni.Groups.Select(g => g.GroupId));
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Service == "ec2");
        var notification = Assert.Single(await World.NotificationsAsync());
        Assert.Contains("its finding is from account 444455556666", notification.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }
}
