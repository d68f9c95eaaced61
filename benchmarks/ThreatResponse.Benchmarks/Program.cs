using BenchmarkDotNet.Running;
using ThreatResponse.Benchmarks;

if (args is ["roundtrips", ..])
{
    return await RoundTripBenchmark.RunAsync(runs: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
}

if (args is ["claims", ..])
{
    return await ClaimBenchmark.RunAsync(findings: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100);
}

if (args is ["throttling", ..])
{
    return await ThrottlingBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
