using System.Diagnostics;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.LocalAws;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Testing;

/// <summary>What one measured isolation cost: sequential round trips to isolation applied, requests, wall time.</summary>
/// <param name="ConversionWindows">Per ENI, from the conversion group's answer to the isolation group's: the time it was all-open.</param>
public sealed record IsolationMeasurement(int SequentialRoundTrips, int Requests, TimeSpan IsolationApplied, TimeSpan Total, ContainmentReport Report, IReadOnlyList<TimeSpan> ConversionWindows)
{
    /// <summary>The longest chain of requests each sent after the previous one was answered, with timings: what a failed bound prints.</summary>
    public string Chain { get; init; } = "";

    /// <summary>Per ENI, from the conversion group's answer to the isolation group's request: what it waited for besides its own round trip.</summary>
    public IReadOnlyList<TimeSpan> ConversionGaps { get; init; } = [];

    /// <summary>
    /// Builds <see cref="Ec2Scene"/> (and, when <paramref name="groupsExist"/>, isolates another instance of the same VPC
    /// first so its quarantine groups exist), then runs <paramref name="actions"/> through the real EC2 adapter with every
    /// request recorded and held <paramref name="latency"/> on its way.
    /// </summary>
    public static async Task<IsolationMeasurement> RunAsync(MotoServerFixture moto, bool groupsExist, TimeSpan latency, params ContainmentAction[] actions)
    {
        ArgumentNullException.ThrowIfNull(moto);
        using var setup = moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(moto, setup);
        if (groupsExist)
        {
            var other = await Ec2Scene.CreateAsync(moto, setup, "web-2", scene.VpcId, scene.SubnetId, scene.ProfileArn);
            await Engine(setup).RunAsync(Request(other, "warm-up", [ContainmentAction.Isolate]), CancellationToken.None);
        }

        var log = new AwsRequestLog();
        using var ec2 = moto.CreateEc2Client(http: new RecordingHttpClientFactory(log, latency));
        var started = AwsRequestLog.Now();
        var report = await Engine(ec2).RunAsync(Request(scene, "measured", actions.Length == 0 ? [ContainmentAction.Isolate] : actions), CancellationToken.None);
        var total = Stopwatch.GetElapsedTime(started);

        var isolationGroup = report.Instances[0].Steps.LastOrDefault(s => s.Step == "isolation-group")?.Detail?.TrimStart('-', '>', ' ') ?? "-";
        bool IsIsolation(RecordedRequest r) => r.Operation == "ModifyNetworkInterfaceAttribute" && r.Body.Contains(isolationGroup, StringComparison.Ordinal);
        var lastIsolation = log.Requests.Where(IsIsolation).Select(r => r.EndTicks).DefaultIfEmpty(started).Max();
        var conversionGroup = report.Instances[0].Steps.LastOrDefault(s => s.Step == "conversion-group")?.Detail?.Split("-> ").Last() ?? "-";
        var pairs = report.Instances[0].Steps.Where(s => s.Step == "conversion-group").Select(s => s.Target!).Select(eni =>
        {
            var modifies = log.Requests.Where(r => r.Operation == "ModifyNetworkInterfaceAttribute" && r.Body.Contains(eni, StringComparison.Ordinal)).ToList();
            var converted = modifies.First(r => r.Body.Contains(conversionGroup, StringComparison.Ordinal)).EndTicks;
            var isolated = modifies.First(r => r.Body.Contains(isolationGroup, StringComparison.Ordinal));
            return (Window: Stopwatch.GetElapsedTime(converted, isolated.EndTicks), Gap: Stopwatch.GetElapsedTime(converted, isolated.StartTicks));
        }).ToList();
        var windows = pairs.Select(p => p.Window).ToList();
        return new IsolationMeasurement(
            log.SequentialRoundTrips(IsIsolation),
            log.Requests.Count,
            Stopwatch.GetElapsedTime(started, lastIsolation),
            total,
            report,
            windows)
        {
            ConversionGaps = [.. pairs.Select(p => p.Gap)],
            Chain = log.Describe(log.LongestChain(IsIsolation)),
        };
    }

    private static ContainmentEngine Engine(Amazon.EC2.IAmazonEC2 ec2) =>
        new(new Ec2InstanceContainment(new Ec2ClientProvider(_ => ec2)), new ContainmentOptions(), TimeProvider.System);

    private static ContainmentRequest Request(DemoScene scene, string finding, ContainmentAction[] actions) =>
        new(finding, [new InstanceReference(InstanceId.Parse(scene.InstanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion)], actions, DryRun: false);
}
