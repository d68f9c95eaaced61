using Amazon.EC2.Model;
using ThreatResponse.Testing;
using Xunit.Abstractions;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// The standing target on the function path, ledger on: sequential AWS round trips (EC2, DynamoDB) from the GuardDuty
/// event to the isolation group on every ENI, with 50 ms held per request at the proxy so that overlap is real. The
/// measured numbers are written to the test output: <c>dotnet test tests/ThreatResponse.Functions.Tests --filter
/// FunctionPathRoundTrip --logger "console;verbosity=detailed"</c>. A measurement, so in the opt-in benchmark category;
/// the ordering it relies on (state saved before any change, the isolation group asked for the moment the conversion
/// returns) is checked in the default run by AttackerProofIsolationTests.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Benchmark)]
[Collection(MotoCollectionDefinition.Name)]
public sealed class FunctionPathRoundTripTests(MotoServerFixture moto, ITestOutputHelper testOutput) : FunctionWorldTest(moto)
{
    private static readonly TimeSpan Held = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task GuardDutyResponder_LedgerOnGroupsExist_AtMostFourSequentialRoundTripsToIsolation()
    {
        // The claim alongside the lookup; the state saved; the conversion group; the isolation group.
        await AssertFewestOverRunsAsync(groupsExist: true, maximum: 4);
    }

    [Fact]
    public async Task GuardDutyResponder_LedgerOnGroupsCreated_AtMostSixSequentialRoundTripsToIsolation()
    {
        await AssertFewestOverRunsAsync(groupsExist: false, maximum: 6);
    }

    /// <summary>
    /// Requests are ordered by the time they crossed the proxy, so a request the code sent alongside another but that
    /// a busy machine (2 cores shared with moto and other tests) sent late looks like a successor: an observed chain is
    /// never shorter than the code's real one, only sometimes longer. A run within the target therefore proves it; up to
    /// three runs are measured before the target is called missed, and every run is printed with its longest chain.
    /// </summary>
    private async Task AssertFewestOverRunsAsync(bool groupsExist, int maximum)
    {
        var fewest = int.MaxValue;
        for (var run = 1; run <= 3; run++)
        {
            var (roundTrips, windows) = await MeasureAsync(groupsExist);
            fewest = Math.Min(fewest, roundTrips);
            if (roundTrips <= maximum && IsolationAskedAtOnce(windows))
            {
                return;
            }
        }

        Assert.Fail($"at best {fewest} sequential round trips to isolation in 3 runs (target at most {maximum}), or an isolation group asked for more than one held request after its conversion answer; see the output for each run");
    }

    /// <summary>
    /// Each ENI's isolation group was asked for less than one held request after its conversion group was answered: no
    /// other round trip came between (the all-open time is then that one round trip). Robust to a slow machine, which
    /// lengthens requests but not the order.
    /// </summary>
    private static bool IsolationAskedAtOnce(List<(TimeSpan Window, TimeSpan Gap)> windows) =>
        windows.Count == 2 && windows.All(w => w.Gap < Held);

    private async Task<(int RoundTrips, List<(TimeSpan Window, TimeSpan Gap)> ConversionWindows)> MeasureAsync(bool groupsExist)
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = World.Runtime();
        if (groupsExist)
        {
            var other = await Ec2Scene.CreateAsync(Moto, ec2, "web-2", scene.VpcId, scene.SubnetId, scene.ProfileArn);
            using var warmUp = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", other.InstanceId));
        }

        World.AwsProxy.Clear();
        World.AwsProxy.HeldPerRequest = Held;
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));
        World.AwsProxy.HeldPerRequest = TimeSpan.Zero;

        FunctionWorld.AssertOutcome("succeeded", output);
        var groups = (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("vpc-id", [scene.VpcId])] })).SecurityGroups;
        var isolation = groups.Single(g => g.GroupName == "threat-response-isolation").GroupId;
        var conversion = groups.Single(g => g.GroupName == "threat-response-conversion").GroupId;
        var timeline = World.AwsProxy.Timeline;
        bool Isolates(RecordedRequest r) => r.Operation == "ec2:ModifyNetworkInterfaceAttribute" && r.Body.Contains(isolation, StringComparison.Ordinal);
        Assert.Equal(2, timeline.Requests.Count(Isolates));
        Assert.Contains(timeline.Requests, r => r.Operation.StartsWith("dynamodb:", StringComparison.Ordinal));

        var windows = new List<(TimeSpan Window, TimeSpan Gap)>();
        foreach (var eni in new[] { scene.PrimaryEniId, scene.SecondaryEniId })
        {
            var modifies = timeline.Requests.Where(r => r.Operation == "ec2:ModifyNetworkInterfaceAttribute" && r.Body.Contains(eni, StringComparison.Ordinal)).ToList();
            var converted = modifies.Single(r => r.Body.Contains(conversion, StringComparison.Ordinal)).EndTicks;
            var isolated = modifies.Single(r => r.Body.Contains(isolation, StringComparison.Ordinal));
            windows.Add((System.Diagnostics.Stopwatch.GetElapsedTime(converted, isolated.EndTicks), System.Diagnostics.Stopwatch.GetElapsedTime(converted, isolated.StartTicks)));
        }

        var chain = timeline.LongestChain(Isolates);
        var roundTrips = chain.Count;
        testOutput.WriteLine($"groups {(groupsExist ? "exist" : "created")}: {roundTrips} sequential round trips to isolation, {timeline.Requests.Count} requests, "
            + $"conversion windows {string.Join(", ", windows.Select(w => $"{w.Window.TotalMilliseconds:F0} ms (asked {w.Gap.TotalMilliseconds:F0} ms after)"))}, isolation applied after {System.Diagnostics.Stopwatch.GetElapsedTime(timeline.Requests.Min(r => r.StartTicks), timeline.Requests.Where(Isolates).Max(r => r.EndTicks)).TotalMilliseconds:F0} ms; longest chain: {timeline.Describe(chain)}");
        return (roundTrips, windows);
    }
}
