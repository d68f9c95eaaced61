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
    public int SequentialRoundTrips(Func<RecordedRequest, bool> until)
    {
        var requests = Requests.OrderBy(r => r.StartTicks).ToList();
        var depth = new int[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            depth[i] = 1;
            for (var j = 0; j < i; j++)
            {
                if (requests[j].EndTicks <= requests[i].StartTicks)
                {
                    depth[i] = Math.Max(depth[i], depth[j] + 1);
                }
            }
        }

        var last = requests.FindLastIndex(r => until(r));
        return last < 0 ? 0 : depth.Take(last + 1).Where((_, i) => requests[i].EndTicks <= requests[last].EndTicks).Max();
    }

    public static long Now() => Stopwatch.GetTimestamp();
}
