using System.Text.Json;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Faults injected between the functions' clients and the emulators — throttling, 500 and 503, timeouts and dropped
/// connections, by operation and count — to show what survives and what is reported.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class FaultTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Short enough that an injected delay times an attempt out, long enough that moto on a loaded two-core machine
        // answers a real request in time: at 1 s, a slow Publish was timed out after SNS had taken it, and the retry
        // notified twice (SNS Publish has no idempotency key).
        World.Set("THREATRESPONSE_AWS_TIMEOUT_SECONDS", "2");
    }

    [Fact]
    public async Task GuardDutyResponder_TransientFaultsEverywhere_CompletesWithinRetryBudget()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var proxy = World.AwsProxy;
        proxy.Inject(c => c.Operation == "ModifyNetworkInterfaceAttribute", new ProxyFault.AwsError(503, RecordingProxy.Ec2Error("RequestLimitExceeded", "Request limit exceeded.")), times: 3);
        proxy.Inject(c => c.Operation == "CreateSnapshots", new ProxyFault.AwsError(500, RecordingProxy.Ec2Error("InternalError")), times: 1);
        proxy.Inject(c => c.Operation == "DescribeInstances", new ProxyFault.Drop(), times: 1);
        proxy.Inject(c => c.Operation == "DescribeInstanceAttribute", new ProxyFault.Delay(TimeSpan.FromSeconds(5)), times: 1);
        proxy.Inject(c => c.Operation == "Publish", new ProxyFault.AwsError(500, RecordingProxy.QueryError("InternalError", "injected")), times: 1);
        proxy.Inject(c => c.Service == "dynamodb", new ProxyFault.AwsError(400, RecordingProxy.JsonError("com.amazonaws.dynamodb.v20120810#ThrottlingException", "Rate exceeded")), times: 2);
        World.SecurityHub.FailNext(429, "TooManyRequestsException");
        using var runtime = World.Runtime();

        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        foreach (var eniId in new[] { scene.PrimaryEniId, scene.SecondaryEniId })
        {
            var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] })).NetworkInterfaces[0];
            Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName);
        }

        var snapshots = await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Filter("tag:ThreatResponse:InstanceId", [scene.InstanceId])] });
        Assert.Equal(2, snapshots.Snapshots.Count);
        Assert.Single(await World.NotificationsAsync());
        Assert.Equal("NOTIFIED", World.SecurityHub.Finding(output.RootElement.GetProperty("findings")[0].GetProperty("id").GetString()!)!.WorkflowStatus);

        // Every injected fault was met and retried past.
        Assert.True(proxy.Calls.Count(c => c.Operation == "ModifyNetworkInterfaceAttribute") >= 6 + 3);
        Assert.True(proxy.Calls.Count(c => c.Operation == "CreateSnapshots") >= 2);
        Assert.True(proxy.Calls.Count(c => c.Operation == "Publish") >= 2);
    }

    [Fact]
    public async Task IsolateAction_OneInstanceKeepsFailing_ReportedPerStepOthersContainedHandlerThrows()
    {
        using var ec2 = Moto.CreateEc2Client();
        var healthy = await Ec2Scene.CreateAsync(Moto, ec2, "web-1");
        var failing = await Ec2Scene.CreateAsync(Moto, ec2, "web-2", healthy.VpcId, healthy.SubnetId, healthy.ProfileArn);
        World.AwsProxy.Inject(
            c => c.Operation == "ModifyNetworkInterfaceAttribute" && c.Body.Contains(failing.SecondaryEniId, StringComparison.Ordinal) && c.Body.Contains("SecurityGroupId", StringComparison.Ordinal),
            // Refused for good (5xx and throttling would be retried until the invocation's deadline).
            new ProxyFault.AwsError(403, RecordingProxy.Ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.")));
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", healthy.InstanceId);
        var second = @event["detail"]!["findings"]![0]!.DeepClone();
        second["Id"] = second["Id"]!.GetValue<string>() + "-2";
        second["Resources"]![0]!["Id"] = $"arn:aws:ec2:us-east-1:123456789012:instance/{failing.InstanceId}";
        @event["detail"]!["findings"]!.AsArray().Add(second);
        using var runtime = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();

        var error = await Assert.ThrowsAsync<ResponseFailedException>(() => FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event));

        var report = error.Result!.Summary.Report;
        var failed = Assert.Single(report.Instances, i => i.Instance.InstanceId.Value == failing.InstanceId);
        Assert.Equal(StepOutcome.Failed, failed.Outcome);
        var failedSteps = failed.Steps.Where(s => s.Outcome == StepOutcome.Failed).ToList();
        Assert.Equal(["conversion-group", "isolation-group"], failedSteps.Select(s => s.Step));
        Assert.All(failedSteps, s => Assert.Equal((failing.SecondaryEniId, "UnauthorizedOperation"), (s.Target, s.ErrorCode)));
        Assert.All(report.Instances.SelectMany(i => i.Steps), s => Assert.False(string.IsNullOrEmpty(s.Step)));
        Assert.Equal(StepOutcome.Succeeded, Assert.Single(report.Instances, i => i.Instance.InstanceId.Value == healthy.InstanceId).Outcome);

        // The failing ENI never passed through the all-open group; the other ENI of that instance is isolated.
        var stuck = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [failing.SecondaryEniId] })).NetworkInterfaces[0];
        Assert.Equal(failing.SecondaryGroups.Order(), stuck.Groups.Select(g => g.GroupId).Order());
        var other = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [failing.PrimaryEniId] })).NetworkInterfaces[0];
        Assert.Equal("threat-response-isolation", Assert.Single(other.Groups).GroupName);

        var notification = Assert.Single(await World.NotificationsAsync());
        Assert.Contains("1 FAILED", notification.GetProperty("Subject").GetString(), StringComparison.Ordinal);
        using var message = JsonDocument.Parse(notification.GetProperty("Message").GetString()!);
        FunctionWorld.AssertOutcome("failed", message);
        Assert.Contains(World.LogLines(), l => l.GetProperty("level").GetString() == "ERROR" && l.TryGetProperty("instance", out var i) && i.GetString() == failing.InstanceId);
    }
}
