using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Testing;
using Xunit.Abstractions;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Bursts against moto_server behind an emulation of EC2's request buckets. A custom action on 30 instances (two ENIs
/// each) through one bucket shared by every mutating action, at EC2's documented rate and at 80% of it, and one past
/// what the bucket can serve before the deadline; and 100 GuardDuty findings (200 on request) at once across 10 execution environments
/// (the function's reserved concurrency) against EC2's per-action buckets. Time is compressed (refill rates, the
/// functions' pacing and their timeout scaled alike); every instance must end up isolated. Numbers go to the test
/// output; BENCHMARKS.md has the real-time ones. The 30-instance and 100-finding bursts measure throughput and are in
/// the opt-in benchmark category; the scene past what the bucket serves in time checks what is reported and retried, and
/// stays in the default run.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class BurstTests(MotoServerFixture moto, ITestOutputHelper output) : MotoTest(moto)
{
    private const double RateScale = 20;

    /// <summary>The shared-bucket scenes' time compression: 120 s of EC2 time in 40 s.</summary>
    private const double SharedScale = 3;

    [Theory]
    [Trait(TestCategory.Name, TestCategory.Benchmark)]
    [InlineData(1.0)]
    [InlineData(0.8)]
    public async Task IsolateAction_30InstancesOneSharedBucket_AllIsolatedWithinTheFunctionsTimeout(double share)
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        var timeout = TimeSpan.FromSeconds(120 / SharedScale);
        world.Set("THREATRESPONSE_EC2_RATE_SCALE", SharedScale.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("FUNCTION_TIMEOUT_SECONDS", timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var ec2 = Moto.CreateEc2Client();
        var scene = await BurstScene.CreateAsync(Moto.Endpoint, ec2, 30);
        using var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        world.AwsProxy.EmulateSharedEc2Buckets(SharedEc2Buckets.Documented(share, SharedScale));
        world.AwsProxy.Clear();

        var started = Stopwatch.GetTimestamp();
        using var result = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, scene.CustomActionEvent());
        var elapsed = Stopwatch.GetElapsedTime(started);

        // Succeeded means done before the deadline: a response that runs out of time fails and says so.
        FunctionWorld.AssertOutcome("succeeded", result);
        Assert.True(elapsed < timeout, $"{elapsed} against a timeout of {timeout}");
        Assert.Equal(30, (await scene.IsolatedAsync(ec2)).Count);
        var isolatedAt = scene.IsolatedAt(world.AwsProxy.Timeline, started, await scene.IsolationGroupIdAsync(ec2));
        output.WriteLine(System.FormattableString.Invariant(
            $"bucket {50 * share:0}/{5 * share:0.#} per s: last instance isolated after {isolatedAt[^1].TotalSeconds * SharedScale:0} EC2 s, response {elapsed.TotalSeconds * SharedScale:0} EC2 s, {world.AwsProxy.Throttled} throttled"));
    }

    [Fact]
    public async Task IsolateAction_PastWhatTheBucketServesInTime_RemainderNotReachedInTimeNotifiedAndCompletedByTheRetry()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);

        // 16 s, so EC2 calls stop at 14 s: by then the bucket serves 20 + 2 × 14 = 48 tokens, of about 90 needed.
        world.Set("FUNCTION_TIMEOUT_SECONDS", "16");
        using var ec2 = Moto.CreateEc2Client();
        var scene = await BurstScene.CreateAsync(Moto.Endpoint, ec2, 8);
        using var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        world.AwsProxy.EmulateSharedEc2Buckets(new SharedEc2Buckets(20, 2));
        var @event = scene.CustomActionEvent();

        var failed = await Assert.ThrowsAsync<ThreatResponse.Core.Responses.ResponseFailedException>(() => FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event));

        var report = failed.Result!.Summary.Report;
        var notReached = report.Instances.Where(i => i.Steps.Any(ThreatResponse.Core.Containment.ResponseDeadline.WasNotReached)).ToList();
        Assert.NotEmpty(notReached);
        Assert.All(notReached.SelectMany(i => i.Steps).Where(ThreatResponse.Core.Containment.ResponseDeadline.WasNotReached),
            s => Assert.Contains("not reached in time: throttled", s.Detail, StringComparison.Ordinal));
        var isolated = await scene.IsolatedAsync(ec2);
        Assert.True(isolated.Count is >= 1 and <= 7, $"{isolated.Count} of 8 isolated; not reached: {string.Join(" | ", notReached.Select(i => i.Reason))}");
        Assert.All(scene.InstanceIds.Except(isolated), id => Assert.Contains(notReached, i => i.Instance.InstanceId.Value == id));
        await AssertNoEniAllOpenAsync(ec2, scene);
        var notification = Assert.Single(await world.NotificationsAsync());
        using (var message = JsonDocument.Parse(notification.GetProperty("Message").GetString()!))
        {
            Assert.Contains("not reached in time: throttled", message.RootElement.GetProperty("notReachedInTime").GetString(), StringComparison.Ordinal);
        }

        // Lambda's retry, a minute later (the bucket full again), in another execution environment: what was done is
        // skipped, the rest done.
        world.AwsProxy.EmulateSharedEc2Buckets(new SharedEc2Buckets(50, 25));
        using var retryRuntime = world.Runtime();
        using var retried = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(retryRuntime).HandleAsync, @event);

        FunctionWorld.AssertOutcome("succeeded", retried);
        Assert.Equal(8, (await scene.IsolatedAsync(ec2)).Count);
        output.WriteLine($"first invocation isolated {isolated.Count} of 8 and reported {notReached.Count} not reached in time; the retry isolated the rest");
    }

    /// <summary>
    /// 100 findings in the suite (10 per environment; about a minute, bound by moto), 200 as BENCHMARKS.md's burst was measured when
    /// <c>THREATRESPONSE_BURST_FINDINGS=200</c> is set: BENCHMARKS.md reports that run.
    /// </summary>
    [Fact]
    [Trait(TestCategory.Name, TestCategory.Benchmark)]
    public async Task GuardDutyResponder_FindingsAtOnceAcross10Environments_AllIsolated()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("THREATRESPONSE_BURST_FINDINGS"), out var asked) && asked is > 0 and <= 1000 ? asked : 100;
        await using var world = await FunctionWorld.CreateAsync(Moto);
        world.Set("THREATRESPONSE_EC2_RATE_SCALE", RateScale.ToString(System.Globalization.CultureInfo.InvariantCulture));
        world.AwsProxy.EmulateEc2Throttling(RateScale);
        using var ec2 = Moto.CreateEc2Client();
        var (instances, _) = await LaunchAsync(ec2, count);
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

        Assert.Equal(count, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal("succeeded", o));
        await AssertAllIsolatedAsync(ec2, instances);
        Report($"GuardDuty, {count} findings at once, 10 execution environments", clock.Elapsed, world.AwsProxy, count);
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

    private static async Task AssertNoEniAllOpenAsync(AmazonEC2Client ec2, BurstScene scene)
    {
        var enis = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("attachment.instance-id", [.. scene.InstanceIds])] })).NetworkInterfaces;
        Assert.All(enis, eni => Assert.DoesNotContain(eni.Groups, g => g.GroupName == "threat-response-conversion"));
    }

    private static async Task AssertAllIsolatedAsync(AmazonEC2Client ec2, List<string> instances)
    {
        var enis = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("attachment.instance-id", instances)] })).NetworkInterfaces;
        Assert.Equal(instances.Count, enis.Count);
        Assert.All(enis, eni => Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName));
    }
}
