namespace ThreatResponse.Testing;

/// <summary>
/// Trait values for <c>[Trait("Category", …)]</c>, each left out of the default run. <see cref="Benchmark"/> marks tests that measure speed (throughput
/// of bursts, round trips counted with requests held on the wire, concurrent responders against one bucket) rather than
/// check a behaviour: they take minutes, so the default run leaves them out (Directory.Build.props) and a scheduled
/// workflow runs them (.github/workflows/benchmarks.yml; BENCHMARKS.md has the command and the numbers).
/// </summary>
public static class TestCategory
{
    public const string Name = "Category";

    public const string Benchmark = "Benchmark";

    /// <summary>
    /// Tests that build the deployable artifacts (the Lambda package as <c>sam build</c> makes it, the CLI as a .NET tool)
    /// with a Release build of their own: minutes on two cores, so the default run leaves them out and CI runs them on
    /// every push, after the default run (.ci/run).
    /// </summary>
    public const string Packaging = "Packaging";
}
