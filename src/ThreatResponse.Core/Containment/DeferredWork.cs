namespace ThreatResponse.Core.Containment;

/// <summary>
/// Work of a response that waited so that every instance's isolation came first, because EC2 request tokens were scarce.
/// </summary>
/// <param name="Steps">The steps that waited (<c>tag</c>, <c>snapshot</c>, <c>termination-protection</c>...), in the order first seen.</param>
/// <param name="Instances">How many instances had a step that waited.</param>
/// <param name="LongestWaitMs">The longest any of them waited.</param>
public sealed record DeferredWork(IReadOnlyList<string> Steps, int Instances, long LongestWaitMs)
{
    /// <summary>One line for people: what waited, for how many instances, how long at most.</summary>
    public string Describe() =>
        $"{string.Join(", ", Steps)} of {Instances} instance(s) waited up to {LongestWaitMs / 1000.0:0.0} s until every instance's isolation was served (EC2 request tokens were scarce)";

    /// <summary>Both together (several requests in one response); null when neither has any.</summary>
    public static DeferredWork? Merge(DeferredWork? first, DeferredWork? second) => (first, second) switch
    {
        (null, _) => second,
        (_, null) => first,
        _ => new DeferredWork([.. first.Steps.Union(second.Steps, StringComparer.Ordinal)], first.Instances + second.Instances, Math.Max(first.LongestWaitMs, second.LongestWaitMs)),
    };
}
