using System.Globalization;
using ThreatResponse.Core.Containment;
using ThreatResponse.Testing;

namespace ThreatResponse.Benchmarks;

/// <summary>
/// Containment against moto_server: sequential EC2 round trips to isolation applied on every ENI (the critical path),
/// requests sent, and wall time, for the two-ENI, two-volume scene of the tests.
/// Run: dotnet run -c Release --project benchmarks/ThreatResponse.Benchmarks -- roundtrips [runs]
/// </summary>
internal static class RoundTripBenchmark
{
    public static async Task<int> RunAsync(int runs)
    {
        var moto = new MotoServerFixture();
        await moto.InitializeAsync();
        try
        {
            Console.WriteLine($"| Scenario | Sequential round trips to isolation (50 ms held per request) | Requests | Isolation applied, moto as is | Whole run, moto as is | Isolation applied, +50 ms per request | Whole run, +50 ms per request |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, groupsExist, actions) in new[]
            {
                ("isolate, VPC groups exist", true, new[] { ContainmentAction.Isolate }),
                ("isolate, VPC groups created", false, new[] { ContainmentAction.Isolate }),
                ("isolate + snapshot, VPC groups exist", true, new[] { ContainmentAction.Isolate, ContainmentAction.Snapshot }),
            })
            {
                var fast = await MeasureAsync(moto, name, groupsExist, TimeSpan.Zero, actions, runs);
                var slow = await MeasureAsync(moto, name, groupsExist, TimeSpan.FromMilliseconds(50), actions, runs);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {slow.Max(r => r.SequentialRoundTrips)} | {slow[0].Requests} | {Median(fast, r => r.IsolationApplied):F0} ms | {Median(fast, r => r.Total):F0} ms | {Median(slow, r => r.IsolationApplied):F0} ms | {Median(slow, r => r.Total):F0} ms |"));
            }
        }
        finally
        {
            await moto.DisposeAsync();
        }

        return 0;
    }

    /// <summary>Runs the scenario <paramref name="runs"/> times after one warm-up run (JIT, connections), each on a reset emulator.</summary>
    private static async Task<List<IsolationMeasurement>> MeasureAsync(MotoServerFixture moto, string name, bool groupsExist, TimeSpan latency, ContainmentAction[] actions, int runs)
    {
        var results = new List<IsolationMeasurement>();
        for (var i = 0; i <= runs; i++)
        {
            await moto.ResetAsync();
            var measured = await IsolationMeasurement.RunAsync(moto, groupsExist, latency, actions);
            if (measured.Report.Outcome != StepOutcome.Succeeded)
            {
                throw new InvalidOperationException($"{name}: {measured.Report.Outcome}");
            }

            if (i > 0)
            {
                results.Add(measured);
            }
        }

        return results;
    }

    private static double Median(List<IsolationMeasurement> results, Func<IsolationMeasurement, TimeSpan> select)
    {
        var values = results.Select(r => select(r).TotalMilliseconds).Order().ToList();
        return values[values.Count / 2];
    }
}
