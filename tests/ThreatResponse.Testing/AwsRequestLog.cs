using System.Diagnostics;

namespace ThreatResponse.Testing;

/// <summary>One AWS request as it crossed the wire: operation, form body, and when it started and ended.</summary>
public sealed record RecordedRequest(string Operation, string Body, long StartTicks, long EndTicks, int StatusCode);

/// <summary>
/// The requests our clients sent, in order, for tests and benchmarks that count round trips. The critical-path depth
/// of a request is the longest chain of requests, each starting after the previous one ended, that leads to it.
/// </summary>
public sealed class AwsRequestLog
{
    private readonly List<RecordedRequest> _requests = [];

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public void Add(RecordedRequest request)
    {
        lock (_requests)
        {
            _requests.Add(request);
        }
    }

    public void Clear()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    public int Count(string operation) => Requests.Count(r => r.Operation == operation);

    /// <summary>
    /// Sequential round trips up to and including the last request matching <paramref name="until"/>: requests that
    /// overlap in time count once. Requests that started after it are not counted.
    /// </summary>
    public int SequentialRoundTrips(Func<RecordedRequest, bool> until) => LongestChain(until).Count;

    /// <summary>
    /// The longest chain of requests, each started after the previous one ended, that ends no later than the last
    /// request matching <paramref name="until"/>; printed by tests so that a failed count names its requests.
    /// </summary>
    public IReadOnlyList<RecordedRequest> LongestChain(Func<RecordedRequest, bool> until)
    {
        var requests = Requests.OrderBy(r => r.StartTicks).ToList();
        var depth = new int[requests.Count];
        var previous = new int[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            depth[i] = 1;
            previous[i] = -1;
            for (var j = 0; j < i; j++)
            {
                if (requests[j].EndTicks <= requests[i].StartTicks && depth[j] + 1 > depth[i])
                {
                    depth[i] = depth[j] + 1;
                    previous[i] = j;
                }
            }
        }

        var last = requests.FindLastIndex(r => until(r));
        if (last < 0)
        {
            return [];
        }

        var end = Enumerable.Range(0, last + 1).Where(i => requests[i].EndTicks <= requests[last].EndTicks).MaxBy(i => depth[i]);
        var chain = new List<RecordedRequest>();
        for (var i = end; i >= 0; i = previous[i])
        {
            chain.Add(requests[i]);
        }

        chain.Reverse();
        return chain;
    }

    /// <summary>Each request of a chain with its start and end in milliseconds after the first one started.</summary>
    public string Describe(IReadOnlyList<RecordedRequest> chain)
    {
        var origin = Requests.Select(r => r.StartTicks).DefaultIfEmpty(0).Min();
        return string.Join(" -> ", chain.Select(r => $"{r.Operation} [{Stopwatch.GetElapsedTime(origin, r.StartTicks).TotalMilliseconds:F0}-{Stopwatch.GetElapsedTime(origin, r.EndTicks).TotalMilliseconds:F0} ms]"));
    }

    public static long Now() => Stopwatch.GetTimestamp();
}
