using System.Diagnostics;

namespace ThreatResponse.Testing;

/// <summary>
/// EC2's request throttling as a caller meets it when others share its buckets, the worst case: one token bucket for
/// every mutating action and one for every Describe, refilled continuously; a request that finds its bucket empty is
/// refused with <c>RequestLimitExceeded</c> (HTTP 503) and costs no token. Thread-safe; shared by every process that
/// goes through one <see cref="RecordingProxy"/>.
/// </summary>
/// <param name="mutatingSize">Tokens of the mutating bucket (EC2's documented mutating actions: 50).</param>
/// <param name="mutatingRefill">Tokens added per second (EC2's: 5).</param>
public sealed class SharedEc2Buckets(double mutatingSize, double mutatingRefill, double describeSize = 100, double describeRefill = 20)
{
    private readonly Bucket _mutating = new(mutatingSize, mutatingRefill);
    private readonly Bucket _describe = new(describeSize, describeRefill);

    public double MutatingSize => mutatingSize;

    public double MutatingRefill => mutatingRefill;

    /// <summary>
    /// EC2's documented mutating-actions bucket (50, 5 per second) and non-mutating one (100, 20), times
    /// <paramref name="share"/> (0.8: another caller takes a fifth), refills times <paramref name="timeScale"/> (a test
    /// compressing time; the sizes stay).
    /// </summary>
    public static SharedEc2Buckets Documented(double share = 1, double timeScale = 1) =>
        new(50 * share, 5 * share * timeScale, 100, 20 * timeScale);

    /// <summary>Takes a token of the operation's bucket if it has one.</summary>
    public bool TryTake(string operation) =>
        (operation.StartsWith("Describe", StringComparison.Ordinal) ? _describe : _mutating).TryTake();

    private sealed class Bucket(double size, double refill)
    {
        private readonly Lock _lock = new();
        private readonly double _size = size;
        private double _tokens = size;
        private long _at = Stopwatch.GetTimestamp();

        public bool TryTake()
        {
            lock (_lock)
            {
                var now = Stopwatch.GetTimestamp();
                _tokens = Math.Min(_size, _tokens + (Stopwatch.GetElapsedTime(_at, now).TotalSeconds * refill));
                _at = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }
    }
}
