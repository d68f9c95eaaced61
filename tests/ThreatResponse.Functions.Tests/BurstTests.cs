using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Testing;
using Xunit.Abstractions;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Bursts against moto_server behind an emulation of EC2's request buckets (refill rates ×20 to keep the test short;
/// bucket sizes as EC2's): a custom action on 100 instances, and 200 GuardDuty findings at once across 10 execution
/// environments (the function's reserved concurrency). Every instance must end up isolated. Numbers go to the test
/// output and BENCHMARKS.md.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class BurstTests(MotoServerFixture moto, ITestOutputHelper output) : MotoTest(moto)
{
    private const double RateScale = 20;

    [Fact]
    public async Task IsolateAction_OneEventWith100Instances_AllIsolatedWithinEc2Buckets()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        world.Set("THREATRESPONSE_EC2_RATE_SCALE", RateScale.ToString(System.Globalization.CultureInfo.InvariantCulture));
        world.AwsProxy.EmulateEc2Throttling(RateScale);
        using var ec2 = Moto.CreateEc2Client();
        var (instances, _) = await LaunchAsync(ec2, 100);
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json");
        var template = @event["detail"]!["findings"]![0]!;
        @event["detail"]!["findings"] = new JsonArray([.. instances.Select((id, i) => Finding(template, id, i))]);
        using var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        world.AwsProxy.Clear();

        var clock = Stopwatch.StartNew();
        using var result = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event);
        clock.Stop();

        Assert.Equal("succeeded", result.RootElement.GetProperty("outcome").GetString());
        await AssertAllIsolatedAsync(ec2, instances);
        Report("custom action, 100 instances, 1 execution environment", clock.Elapsed, world.AwsProxy, 100);
    }

    [Fact]
    public async Task GuardDutyResponder_200FindingsAtOnceAcross10Environments_AllIsolated()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        world.Set("THREATRESPONSE_EC2_RATE_SCALE", RateScale.ToString(System.Globalization.CultureInfo.InvariantCulture));
        world.AwsProxy.EmulateEc2Throttling(RateScale);
        using var ec2 = Moto.CreateEc2Client();
        var (instances, _) = await LaunchAsync(ec2, 200);
        var runtimes = Enumerable.Range(0, 10).Select(_ => world.Runtime()).ToList();
        world.AwsProxy.Clear();

        // Lambda runs at most the reserved concurrency (10) at once; each environment takes the next event when done.
        var queue = new System.Collections.Concurrent.ConcurrentQueue<(string Id, int Index)>(instances.Select((id, i) => (id, i)));
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(runtimes.Select(async runtime =>
        {
            while (queue.TryDequeue(out var next))
            {
                var @event = FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", next.Id);
                @event["detail"]!["arn"] = $"{@event["detail"]!["arn"]!.GetValue<string>()}{next.Index:x4}";
                using var result = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event);
                outcomes.Add(result.RootElement.GetProperty("outcome").GetString()!);
            }
        }));
        clock.Stop();

        Assert.Equal(200, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal("succeeded", o));
        await AssertAllIsolatedAsync(ec2, instances);
        Report("GuardDuty, 200 findings at once, 10 execution environments", clock.Elapsed, world.AwsProxy, 200);
        runtimes.ForEach(r => r.Dispose());
    }

    private void Report(string scenario, TimeSpan elapsed, RecordingProxy proxy, int instances)
    {
        var ec2Calls = proxy.Calls.Count(c => c.Service == "ec2");
        output.WriteLine($"| {scenario} | {instances} | {elapsed.TotalSeconds:0.0} s | {ec2Calls} | {proxy.Throttled} | {proxy.Calls.Count(c => c.Service == "sns")} |");
    }

    private static JsonNode Finding(JsonNode template, string instanceId, int index)
    {
        var finding = template.DeepClone();
        finding["Id"] = $"{finding["Id"]!.GetValue<string>()}{index:x4}";
        finding["Resources"]![0]!["Id"] = $"arn:aws:ec2:us-east-1:123456789012:instance/{instanceId}";
        finding["Title"] = "burst";
        finding["Description"] = "burst";
        finding["ProductFields"] = new JsonObject();
        return finding;
    }

    private static async Task<(List<string> Instances, string VpcId)> LaunchAsync(AmazonEC2Client ec2, int count)
    {
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.40.0.0/16" })).Vpc.VpcId;
        var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc, CidrBlock = "10.40.0.0/20" })).Subnet.SubnetId;
        var group = (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "fleet", Description = "fleet", VpcId = vpc })).GroupId;
        var launched = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = "ami-12c6146b",
            MinCount = count,
            MaxCount = count,
            NetworkInterfaces = [new InstanceNetworkInterfaceSpecification { DeviceIndex = 0, SubnetId = subnet, Groups = [group] }],
        });
        return ([.. launched.Reservation.Instances.Select(i => i.InstanceId)], vpc);
    }

    private static async Task AssertAllIsolatedAsync(AmazonEC2Client ec2, List<string> instances)
    {
        var enis = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("attachment.instance-id", instances)] })).NetworkInterfaces;
        Assert.Equal(instances.Count, enis.Count);
        Assert.All(enis, eni => Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName));
    }
}
