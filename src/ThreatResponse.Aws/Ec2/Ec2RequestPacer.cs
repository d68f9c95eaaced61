using System.Collections.Concurrent;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// Keeps this execution environment's EC2 requests inside EC2's request buckets (per account and Region; bucket size
/// and refill per second from the EC2 developer guide, "Request throttling for the Amazon EC2 API"), so a burst — one
/// custom action on 100 instances — waits for tokens instead of drawing <c>RequestLimitExceeded</c>. Throttling that
/// still happens (other callers share the buckets) is retried with backoff by the SDK. <c>THREATRESPONSE_EC2_RATE_SCALE</c>
/// multiplies the refill rates (tests compress time with it; accounts with raised limits may too).
/// </summary>
public sealed class Ec2RequestPacer(TimeProvider time, double scale = 1)
{
    private static readonly Dictionary<string, (int Size, double Refill)> Rates = new(StringComparer.Ordinal)
    {
        ["ModifyNetworkInterfaceAttribute"] = (100, 5),
        ["ModifyInstanceAttribute"] = (50, 5),
        ["CreateSnapshots"] = (100, 5),
        ["CreateTags"] = (100, 10),
        ["DeleteTags"] = (100, 10),
        ["StopInstances"] = (50, 5),
        ["DescribeInstances"] = (100, 20),
    };

    private static readonly (int Size, double Refill) Mutating = (50, 5);
    private static readonly (int Size, double Refill) NonMutating = (100, 20);

    private readonly ConcurrentDictionary<(AwsScope Scope, string Bucket), Bucket> _buckets = new();

    /// <summary>Waits until the operation's bucket has a token for the scope, and takes it.</summary>
    public Task WaitAsync(AwsScope scope, string operation, CancellationToken cancellationToken)
    {
        return BucketFor(scope, operation).TakeAsync(cancellationToken);
    }

    /// <summary>Takes a token if there is one (for an emulator that answers <c>RequestLimitExceeded</c> as EC2 would).</summary>
    public bool TryTake(AwsScope scope, string operation) => BucketFor(scope, operation).TryTake();

    private Bucket BucketFor(AwsScope scope, string operation)
    {
        var describe = operation.StartsWith("Describe", StringComparison.Ordinal);
        var (size, refill) = Rates.TryGetValue(operation, out var known) ? known : describe ? NonMutating : Mutating;
        var name = Rates.ContainsKey(operation) ? operation : describe ? "non-mutating" : "mutating";
        return _buckets.GetOrAdd((scope, name), _ => new Bucket(size, refill * scale, time));
    }

    private sealed class Bucket
    {
        private readonly Lock _lock = new();
        private readonly double _size;
        private readonly double _refill;
        private readonly TimeProvider _time;
        private double _tokens;
        private long _at;

        public Bucket(double size, double refill, TimeProvider time)
        {
            (_size, _refill, _time) = (size, refill, time);
            _tokens = size;
            _at = time.GetTimestamp();
        }

        public bool TryTake()
        {
            lock (_lock)
            {
                Refill();
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }

        public async Task TakeAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                TimeSpan wait;
                lock (_lock)
                {
                    Refill();
                    if (_tokens >= 1)
                    {
                        _tokens -= 1;
                        return;
                    }

                    wait = TimeSpan.FromSeconds((1 - _tokens) / _refill);
                }

                await Task.Delay(wait, _time, cancellationToken);
            }
        }

        private void Refill()
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_size, _tokens + (_time.GetElapsedTime(_at, now).TotalSeconds * _refill));
            _at = now;
        }
    }
}
