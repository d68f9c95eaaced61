using System.Diagnostics;
using System.Globalization;
using System.Text;
using ThreatResponse.Testing;

namespace ThreatResponse.Benchmarks;

/// <summary>
/// Throttling: one custom action on many instances (two ENIs and an instance profile each) through EC2 request buckets
/// shared with others — one bucket for every mutating action at EC2's documented rate (50, 5 per second) or at 80% of
/// it (40, 4) — and three responders at once against one bucket. Each response is <c>IsolateInstanceAction</c> in a
/// process of its own, as Lambda runs it; a response that fails is invoked again at once, as Lambda's retry would
/// (Lambda waits about a minute, in which the bucket would refill: at once is the harder case), up to Lambda's two
/// retries. Times are EC2 seconds: measured × the time scale.
/// Run: dotnet run -c Release --project benchmarks/ThreatResponse.Benchmarks -- throttling [scale] [scenario...]
/// (scenarios: 30, 30@80, 100, 100@80, three; default all; scale default 1, real time). THREATRESPONSE_BENCHMARK_DUMP=prefix
/// writes each invocation's output to files; THREATRESPONSE_BENCHMARK_CLI=path/threat-response.dll runs another build.
/// </summary>
internal static class ThrottlingBenchmark
{
    /// <summary>The CLI that runs the functions: this build's, or another build's (<c>THREATRESPONSE_BENCHMARK_CLI</c>, to measure a commit before).</summary>
    private static readonly string Cli = Environment.GetEnvironmentVariable("THREATRESPONSE_BENCHMARK_CLI") is { Length: > 0 } other
        ? other
        : Path.Combine(AppContext.BaseDirectory, "threat-response.dll");

    private sealed record Scenario(string Name, int Instances, double Share, int Responders);

    private sealed record Measured(
        Scenario Scenario, int Isolated, IReadOnlyList<TimeSpan> IsolatedAt, IReadOnlyList<(TimeSpan Elapsed, int Exit, int NotReached)> Invocations,
        int MutatingAnswered, int Throttled, int[] ThrottledPer10s, int[] AnsweredPer10s, int ContainmentTokens, double Scale, SharedEc2Buckets Buckets, IReadOnlyList<int> IsolatedAfter)
    {
        public TimeSpan Whole => TimeSpan.FromTicks(Invocations.Sum(i => i.Elapsed.Ticks));
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var scale = args.Length > 0 && double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 1;
        var wanted = args.Skip(args.Length > 0 && double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? 1 : 0).ToHashSet(StringComparer.Ordinal);
        Scenario[] all =
        [
            new("30", 30, 1, 1),
            new("30@80", 30, 0.8, 1),
            new("100", 100, 1, 1),
            new("100@80", 100, 0.8, 1),
            new("three", 30, 1, 3),
        ];
        var moto = new MotoServerFixture();
        await moto.InitializeAsync();
        var results = new List<Measured>();
        try
        {
            foreach (var scenario in all.Where(a => wanted.Count == 0 || wanted.Contains(a.Name)))
            {
                Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {Describe(scenario)}...");
                var measured = await MeasureAsync(moto, scenario, scale);
                results.Add(measured);
                Console.Error.WriteLine($"  isolated {measured.Isolated}/{scenario.Instances} in {measured.Invocations.Count} invocation(s); {measured.Throttled} throttled");
            }
        }
        finally
        {
            await moto.DisposeAsync();
        }

        Console.WriteLine(Report(results));
        return 0;
    }

    private static string Describe(Scenario s) =>
        s.Responders == 1
            ? $"one custom action, {s.Instances} instances, bucket {50 * s.Share:0}/{5 * s.Share:0.#} per s"
            : $"{s.Responders} custom actions at once, {s.Instances / s.Responders} instances each, bucket {50 * s.Share:0}/{5 * s.Share:0.#} per s";

    private static async Task<Measured> MeasureAsync(MotoServerFixture moto, Scenario scenario, double scale)
    {
        await moto.ResetAsync();
        var buckets = SharedEc2Buckets.Documented(scenario.Share, scale);
        await using var world = await ThrottledResponses.CreateAsync(moto, buckets, scale);
        using var ec2 = moto.CreateEc2Client();
        var scene = await BurstScene.CreateAsync(moto.Endpoint, ec2, scenario.Instances);
        var perResponder = scenario.Instances / scenario.Responders;
        var files = Enumerable.Range(0, scenario.Responders)
            .Select(r => world.EventFile(scene.CustomActionEvent(scene.InstanceIds.Skip(r * perResponder).Take(perResponder))))
            .ToList();

        // The scene was built on moto directly: the buckets are full when the first invocation starts.
        world.Proxy.Clear();
        var started = Stopwatch.GetTimestamp();
        var invocations = new List<(TimeSpan, int, int)>();
        var isolatedAfter = new List<int>();
        for (var attempt = 1; attempt <= 3 && files.Count > 0; attempt++)
        {
            var results = await world.InvokeTogetherAsync(Cli, files);
            foreach (var result in results)
            {
                if (Environment.GetEnvironmentVariable("THREATRESPONSE_BENCHMARK_DUMP") is { Length: > 0 } dump)
                {
                    await File.WriteAllTextAsync($"{dump}-{scenario.Name}-{attempt}-{invocations.Count}.log", result.Stdout + "\n--- stderr ---\n" + result.Stderr);
                }

                invocations.Add((result.Elapsed * scale, result.Exit, ThrottledResponses.NotReachedInTime(result).Count));
                if (result.Exit != 0 && ThrottledResponses.NotReachedInTime(result).Count == 0)
                {
                    Console.Error.WriteLine($"  attempt {attempt} failed otherwise: {result.Stderr[..Math.Min(2000, result.Stderr.Length)]}");
                }
            }

            files = [.. files.Where((_, i) => results[i].Exit != 0)];
            isolatedAfter.Add((await scene.IsolatedAsync(ec2)).Count);
        }

        var isolationGroup = await scene.IsolationGroupIdAsync(ec2);
        var isolatedAt = scene.IsolatedAt(world.Proxy.Timeline, started, isolationGroup).Select(t => t * scale).ToList();
        var requests = world.Proxy.Timeline.Requests.Where(r => r.StartTicks >= started).ToList();
        var mutating = requests.Where(r => r.Operation.StartsWith("ec2:", StringComparison.Ordinal) && !r.Operation.StartsWith("ec2:Describe", StringComparison.Ordinal) && r.StatusCode == 200).ToList();
        var seconds = (int)Math.Ceiling(Stopwatch.GetElapsedTime(started).TotalSeconds * scale / 10) + 1;
        int[] Per10s(IEnumerable<long> ticks)
        {
            var windows = new int[seconds];
            foreach (var t in ticks)
            {
                windows[Math.Min(seconds - 1, (int)(Stopwatch.GetElapsedTime(started, t).TotalSeconds * scale / 10))]++;
            }

            return windows;
        }

        var throttled = world.Proxy.ThrottledAt.Where(t => t >= started).ToList();
        var containmentTokens = (scene.ContainmentCallsPerInstance * scenario.Instances) + 7;
        return new Measured(scenario, (await scene.IsolatedAsync(ec2)).Count, isolatedAt, invocations, mutating.Count, throttled.Count,
            Per10s(throttled), Per10s(mutating.Select(r => r.EndTicks)), containmentTokens, scale, buckets, isolatedAfter);
    }

    private static string Report(List<Measured> results)
    {
        var text = new StringBuilder();
        var i = CultureInfo.InvariantCulture;
        text.AppendLine(i, $"Time scale: {results.FirstOrDefault()?.Scale ?? 1} (times below are EC2 seconds: measured × scale)");
        text.AppendLine();
        text.AppendLine("| Scenario | Invocations: EC2 s, exit code, instances with a step not reached | Isolated after each round of invocations | Last instance isolated | Isolation bound | Mutating calls answered | Whole-response bound | Throttled |");
        text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var m in results)
        {
            var size = m.Buckets.MutatingSize;
            var refill = m.Buckets.MutatingRefill / m.Scale;
            var isolationBound = Math.Max(0, m.ContainmentTokens - size) / refill;
            var wholeBound = Math.Max(0, m.MutatingAnswered - size) / refill;
            var invocations = string.Join("; ", m.Invocations.Select(v => string.Create(i, $"{v.Elapsed.TotalSeconds:0} s, {v.Exit}, {v.NotReached}")));
            var last = m.IsolatedAt.Count > 0 ? m.IsolatedAt[^1].TotalSeconds : double.NaN;
            text.AppendLine(i, $"| {Describe(m.Scenario)} | {invocations} | {string.Join(", ", m.IsolatedAfter.Select(n => $"{n}/{m.Scenario.Instances}"))} | {last:0.0} s | {isolationBound:0.0} s ({m.ContainmentTokens} tokens) | {m.MutatingAnswered} | {wholeBound:0.0} s | {m.Throttled} |");
        }

        text.AppendLine();
        var columns = results.Max(m => m.ThrottledPer10s.Length);
        text.AppendLine("Instances isolated by the end of each 10 s (EC2 seconds since the first invocation started):");
        text.AppendLine();
        text.AppendLine("| Scenario | " + string.Join(" | ", Enumerable.Range(1, columns).Select(c => $"{c * 10} s")) + " |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", columns)));
        foreach (var m in results)
        {
            text.AppendLine($"| {Describe(m.Scenario)} | " + string.Join(" | ", Enumerable.Range(1, columns).Select(c => c <= m.ThrottledPer10s.Length ? m.IsolatedAt.Count(t => t.TotalSeconds <= c * 10).ToString(i) : "")) + " |");
        }

        text.AppendLine();
        text.AppendLine("Mutating requests answered / throttled in each 10 s:");
        text.AppendLine();
        text.AppendLine("| Scenario | " + string.Join(" | ", Enumerable.Range(1, columns).Select(c => $"{(c - 1) * 10}–{c * 10} s")) + " |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", columns)));
        foreach (var m in results)
        {
            text.AppendLine($"| {Describe(m.Scenario)} | " + string.Join(" | ", Enumerable.Range(0, columns).Select(c => c < m.ThrottledPer10s.Length ? $"{m.AnsweredPer10s[c]} / {m.ThrottledPer10s[c]}" : "")) + " |");
        }

        return text.ToString();
    }
}
