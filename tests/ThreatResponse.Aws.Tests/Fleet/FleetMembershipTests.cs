using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Fleet;

/// <summary>
/// Isolation taking an instance out of its Auto Scaling group and target groups, and release putting it back, against
/// moto_server through a recording proxy; assertions read Auto Scaling's, ELBv2's and EC2's resulting state.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class FleetMembershipTests(MotoServerFixture moto) : MotoTest(moto), IDisposable
{
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1";
    private RecordingProxy? _proxy;
    private AmazonEC2Client? _ec2;
    private AwsCompositionRoot? _aws;

    private RecordingProxy Proxy => _proxy ??= new RecordingProxy(Moto.Endpoint);

    private AmazonEC2Client Ec2 => _ec2 ??= Moto.CreateEc2Client();

    public void Dispose()
    {
        _aws?.Dispose();
        _ec2?.Dispose();
        _proxy?.Dispose();
    }

    [Fact]
    public async Task Isolate_InstanceInGroupBehindTargetGroup_StandbyProtectedDeregisteredStillRunning()
    {
        var fleet = await FleetScene.CreateAsync(Moto, Ec2);
        Assert.Contains((fleet.InstanceId, 80), await fleet.RegisteredTargetsAsync(Moto));

        var report = await RunAsync(fleet.InstanceId, ContainmentAction.Isolate);

        Assert.True(report.Outcome == StepOutcome.Succeeded, Assert.Single(report.Instances).Reason);
        Assert.Equal(("Standby", true), await fleet.MembershipAsync(Moto));
        Assert.DoesNotContain(await fleet.RegisteredTargetsAsync(Moto), t => t.Id == fleet.InstanceId);
        Assert.Equal(1, await fleet.DesiredCapacityAsync(Moto));
        Assert.Equal("running", await StateOfAsync(fleet.InstanceId));
        Assert.Contains(await FleetScene.InstancesAsync(Moto, fleet.GroupName), i => i.InstanceId == fleet.InstanceId && i.LifecycleState == "Standby");
        var steps = Assert.Single(report.Instances).Steps;
        Assert.Contains(steps, s => s is { Step: "auto-scaling", Outcome: StepOutcome.Succeeded } && s.Target == fleet.GroupName && s.Detail!.StartsWith("standby", StringComparison.Ordinal));
        Assert.Contains(steps, s => s is { Step: "load-balancers", Outcome: StepOutcome.Succeeded } && s.Target == fleet.TargetGroupArn);
        Assert.Contains(steps, s => s is { Step: "scale-in-protection", Outcome: StepOutcome.Succeeded });
        var eni = await PrimaryEniAsync(fleet.InstanceId);
        Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName);

        // Taking it out of service was asked for alongside the group changes (sent before the last isolation-group call),
        // not left until after isolation; it never runs between an ENI's two group changes (IsolationRoundTripTests).
        var calls = Proxy.Calls.Select(c => c.Operation).ToList();
        var lastIsolationCall = calls.FindLastIndex(o => o == "ModifyNetworkInterfaceAttribute");
        Assert.True(calls.IndexOf("EnterStandby") < lastIsolationCall && calls.IndexOf("DeregisterTargets") < lastIsolationCall);
    }

    [Fact]
    public async Task Release_WithRestoreMembership_InServiceAndRegisteredAgainOnItsPort()
    {
        var fleet = await FleetScene.CreateAsync(Moto, Ec2);
        await RunAsync(fleet.InstanceId, ContainmentAction.Isolate);

        var report = await RunAsync(fleet.InstanceId, ContainmentAction.Release, restoreMembership: true);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Equal(("InService", false), await fleet.MembershipAsync(Moto));
        Assert.Contains((fleet.InstanceId, 80), await fleet.RegisteredTargetsAsync(Moto));
        Assert.Contains(Assert.Single(report.Instances).Steps, s => s is { Step: "restore-auto-scaling", Outcome: StepOutcome.Succeeded });
        Assert.Contains(Assert.Single(report.Instances).Steps, s => s is { Step: "restore-load-balancers", Outcome: StepOutcome.Succeeded });
    }

    [Fact]
    public async Task Release_WithoutRestoreMembership_StaysInStandbyAndSaysHowToRestore()
    {
        var fleet = await FleetScene.CreateAsync(Moto, Ec2);
        await RunAsync(fleet.InstanceId, ContainmentAction.Isolate);

        var report = await RunAsync(fleet.InstanceId, ContainmentAction.Release);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Equal("Standby", (await fleet.MembershipAsync(Moto))?.LifecycleState);
        Assert.DoesNotContain(await fleet.RegisteredTargetsAsync(Moto), t => t.Id == fleet.InstanceId);
        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "restore-membership");
        Assert.Equal(StepOutcome.Skipped, step.Outcome);
        Assert.Contains("left out of service", step.Detail, StringComparison.Ordinal);
        Assert.Contains($"exit-standby --auto-scaling-group-name {fleet.GroupName}", step.Detail, StringComparison.Ordinal);
        Assert.Contains("register-targets", step.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Proxy.Calls, c => c.Operation is "ExitStandby" or "RegisterTargets");
    }

    [Fact]
    public async Task Isolate_InstanceInNoGroup_AutoScalingSkippedAndNothingElseCalled()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);

        var report = await RunAsync(scene.InstanceId, ContainmentAction.Isolate);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var steps = Assert.Single(report.Instances).Steps;
        Assert.Equal(("not in an Auto Scaling group", StepOutcome.Skipped), Assert.Single(steps, s => s.Step == "auto-scaling") is var a ? (a.Detail, a.Outcome) : default);
        Assert.Equal(StepOutcome.Skipped, Assert.Single(steps, s => s.Step == "load-balancers").Outcome);
        Assert.Equal(
            ["DescribeAutoScalingInstances", "DescribeTargetGroups"],
            Proxy.Calls.Where(c => c.Service is "autoscaling" or "elasticloadbalancing").Select(c => c.Operation).Order());
    }

    [Fact]
    public async Task Isolate_AutoScalingRefusesStandbyAndDetach_StepFailedAndEnisIsolatedAnyway()
    {
        var fleet = await FleetScene.CreateAsync(Moto, Ec2);
        Proxy.Inject(c => c.Operation is "EnterStandby" or "DetachInstances", new ProxyFault.AwsError(400, RecordingProxy.QueryError("ValidationError", "injected by the test")));

        var report = await RunAsync(fleet.InstanceId, ContainmentAction.Isolate);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "auto-scaling");
        Assert.Equal((StepOutcome.Failed, "ValidationError"), (step.Outcome, step.ErrorCode));
        Assert.Contains("Isolating anyway", step.Detail, StringComparison.Ordinal);
        Assert.Single(Proxy.Calls, c => c.Operation == "DetachInstances");
        Assert.Equal("threat-response-isolation", Assert.Single((await PrimaryEniAsync(fleet.InstanceId)).Groups).GroupName);
        Assert.Equal("InService", (await fleet.MembershipAsync(Moto))?.LifecycleState);
    }

    [Fact]
    public async Task Requests_AutoScalingAndElbv2_CarryEveryRequiredMemberOfBotocoresModel()
    {
        var fleet = await FleetScene.CreateAsync(Moto, Ec2);
        await RunAsync(fleet.InstanceId, ContainmentAction.Isolate);
        await RunAsync(fleet.InstanceId, ContainmentAction.Release, restoreMembership: true);
        var models = new Dictionary<string, BotocoreModel>(StringComparer.Ordinal)
        {
            ["autoscaling"] = BotocoreModel.Load("autoscaling"),
            ["elasticloadbalancing"] = BotocoreModel.Load("elbv2"),
        };

        var calls = Proxy.Calls.Where(c => models.ContainsKey(c.Service)).ToList();
        Assert.Equal(
            ["DeregisterTargets", "DescribeAutoScalingInstances", "DescribeTargetGroups", "DescribeTargetHealth", "EnterStandby", "ExitStandby", "RegisterTargets", "SetInstanceProtection"],
            calls.Select(c => c.Operation).Distinct().Order(StringComparer.Ordinal));
        foreach (var call in calls)
        {
            var (members, required) = models[call.Service].InputOf(call.Operation);
            var keys = call.Body.Split('&').Select(p => Uri.UnescapeDataString(p.Split('=')[0]).Split('.')[0]).Where(k => k is not ("Action" or "Version")).ToHashSet(StringComparer.Ordinal);
            Assert.Empty(required.Except(keys));
            Assert.Empty(keys.Except(members));
        }
    }

    private async Task<ContainmentReport> RunAsync(string instanceId, ContainmentAction action, bool restoreMembership = false)
    {
        _aws ??= new AwsCompositionRoot(
            new AwsEnvironment(name => name switch
            {
                "AWS_ENDPOINT_URL" => Proxy.Endpoint.ToString(),
                "AWS_REGION" => MotoServerFixture.DefaultRegion,
                "HOME_ACCOUNT_ID" => MotoServerFixture.DefaultAccount,
                _ => null,
            }),
            TimeProvider.System,
            _ => Task.FromResult(MotoServerFixture.Credentials));
        var instance = new InstanceReference(InstanceId.Parse(instanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);
        return await _aws.Engine.RunAsync(new ContainmentRequest(FindingId, [instance], [action], DryRun: false) { RestoreMembership = restoreMembership }, CancellationToken.None);
    }

    private async Task<string> StateOfAsync(string instanceId) =>
        (await Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0].State.Name.Value;

    private async Task<NetworkInterface> PrimaryEniAsync(string instanceId) =>
        (await Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("attachment.instance-id", [instanceId])] })).NetworkInterfaces[0];
}
