namespace ThreatResponse.Testing;

/// <summary>
/// Trait values for <c>[Trait("Category", …)]</c>. <see cref="Benchmark"/> marks tests that measure speed (throughput
/// of bursts, round trips counted with requests held on the wire, concurrent responders against one bucket) rather than
/// check a behaviour: they take minutes, so the default run leaves them out (Directory.Build.props) and a scheduled
/// workflow runs them (.github/workflows/benchmarks.yml; BENCHMARKS.md has the command and the numbers).
/// </summary>
public static class TestCategory
{
    public const string Name = "Category";

    public const string Benchmark = "Benchmark";
}
