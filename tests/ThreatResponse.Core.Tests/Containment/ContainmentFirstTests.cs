using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>
/// When EC2 request tokens are scarce, every instance's isolation path comes before other work, and a response with a
/// deadline reports what it did not reach — against the in-memory EC2, whose clock ticks once per call made or returned.
/// </summary>
public sealed class ContainmentFirstTests
{
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1";
    private const int Instances = 6;

    private readonly FakeInstanceContainment _ec2 = new();

    public ContainmentFirstTests()
    {
        _ec2.Groups.Add(new QuarantineGroup("sg-conv", "vpc-1", QuarantineGroupRole.Conversion, RulesAsRequired: true));
        _ec2.Groups.Add(new QuarantineGroup("sg-iso", "vpc-1", QuarantineGroupRole.Isolation, RulesAsRequired: true));
        for (var n = 1; n <= Instances; n++)
        {
            _ec2.AddInstance(Id(n), ($"eni-{n}a", "vpc-1", ["sg-web"]), ($"eni-{n}b", "vpc-1", ["sg-admin"]));
        }
    }

    [Fact]
    public async Task IsolateAndSnapshot_TokensScarce_EveryInstanceIsolatedBeforeAnyTagSnapshotOrProtection()
    {
        _ec2.Scarce = true;

        var report = await RunAsync(new ContainmentRequest(FindingId, [.. Enumerable.Range(1, Instances).Select(Reference)], [ContainmentAction.Isolate, ContainmentAction.Snapshot], DryRun: false));

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var lastIsolated = _ec2.Calls.Where(c => c.Operation == "SetNetworkInterfaceGroups" && c.Detail == "sg-iso").Max(c => c.Ended);
        var offThePath = _ec2.Calls.Where(c => c.Operation is "SetTerminationProtection" or "SetShutdownBehavior" or "FindSnapshots" or "CreateSnapshots"
            || (c.Operation == "SetTags" && c.Detail.Contains(QuarantineTags.Status, StringComparison.Ordinal))).ToList();
        Assert.Equal(Instances * 5, offThePath.Count);
        Assert.All(offThePath, c => Assert.True(c.Started > lastIsolated, $"{c} started before the last isolation ended ({lastIsolated})"));

        var deferred = Assert.IsType<DeferredWork>(report.Deferred);
        Assert.Equal(Instances, deferred.Instances);

        // The status tags come after termination protection and shutdown behaviour, so they wait with them.
        Assert.Equal(["shutdown-behavior", "snapshot", "termination-protection"], deferred.Steps.Order(StringComparer.Ordinal));
        Assert.All(report.Instances.SelectMany(i => i.Steps).Where(s => s.Step is "termination-protection" or "shutdown-behavior"),
            s => Assert.Contains("for every instance's isolation", s.Detail, StringComparison.Ordinal));

        // A snapshot asks once its instance was looked up, alongside its isolation: the instances served last (at most one
        // per thread running them) can finish their isolation paths before their own snapshots ask, and then there is
        // nothing left to wait for (all calls above still came after the last isolation). Every other snapshot waited,
        // and says so.
        Assert.InRange(report.Instances.Count(i => i.Steps.Any(s => s.Step == "snapshot" && !(s.Detail ?? "").Contains("for every instance's isolation", StringComparison.Ordinal))), 0, Math.Min(Environment.ProcessorCount, Instances - 1));
    }

    [Fact]
    public async Task IsolateAndSnapshot_TokensPlentiful_NothingWaitsAndTheReportSaysNothingWaited()
    {
        var report = await RunAsync(new ContainmentRequest(FindingId, [.. Enumerable.Range(1, Instances).Select(Reference)], [ContainmentAction.Isolate, ContainmentAction.Snapshot], DryRun: false));

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Null(report.Deferred);
        Assert.DoesNotContain(report.Instances.SelectMany(i => i.Steps), s => (s.Detail ?? "").Contains("waited", StringComparison.Ordinal));

        // The first instance's termination protection went alongside its isolation, not after the last instance's.
        var firstProtection = _ec2.CallsOf("SetTerminationProtection", Id(1)).Single();
        var lastIsolation = _ec2.Calls.Where(c => c.Operation == "SetNetworkInterfaceGroups" && c.Detail == "sg-iso").Max(c => c.Started);
        Assert.True(firstProtection.Started < lastIsolation, $"{firstProtection} waited for the last isolation ({lastIsolation})");
    }

    [Fact]
    public async Task Isolate_DeadlinePassedBeforeTheInstancesTurn_ReportedNotReachedInTimeAndNothingCalled()
    {
        var deadline = new ResponseDeadline(DateTimeOffset.UtcNow.AddSeconds(-1), TimeSpan.Zero);

        var report = await RunAsync(new ContainmentRequest(FindingId, [Reference(1), Reference(2)], [ContainmentAction.Isolate], DryRun: false) { Deadline = deadline });

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        Assert.All(report.Instances, i =>
        {
            var step = Assert.Single(i.Steps);
            Assert.True(ResponseDeadline.WasNotReached(step));
            Assert.StartsWith("not reached in time", step.Detail, StringComparison.Ordinal);
        });
        Assert.Empty(_ec2.Calls);
    }

    [Fact]
    public void ForFunctionTimeout_120Seconds_StopsAt105WithFiveSecondsOfGraceForUrgentCalls()
    {
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        var deadline = ResponseDeadline.ForFunctionTimeout(start, TimeSpan.FromSeconds(120));
        var short16 = ResponseDeadline.ForFunctionTimeout(start, TimeSpan.FromSeconds(16));

        Assert.Equal(start.AddSeconds(105), deadline.At);
        Assert.Equal(start.AddSeconds(110), deadline.UrgentAt);
        Assert.Equal(start.AddSeconds(14), short16.At);
    }

    private Task<ContainmentReport> RunAsync(ContainmentRequest request) =>
        new ContainmentEngine(_ec2, new ContainmentOptions { MaxConcurrentInstances = 2 }, TimeProvider.System).RunAsync(request, CancellationToken.None);

    private static string Id(int n) => $"i-{n:x17}";

    private static InstanceReference Reference(int n) => new(InstanceId.Parse(Id(n)), "123456789012", "us-east-1");
}
