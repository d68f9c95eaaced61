// Kept whole: one algorithm, EC2's request token buckets per account and Region with priorities and deadlines.
using System.Collections.Concurrent;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// Paces this execution environment's EC2 requests to EC2's request buckets (per account and Region; bucket size and
/// refill per second from the EC2 developer guide, "Request throttling for the Amazon EC2 API"), and adapts when the
/// buckets turn out to be shared — by other automation, a deployment, the attacker, or other execution environments of
/// the same function, none of which this one can see:
/// <list type="bullet">
/// <item>a throttled request (<c>RequestLimitExceeded</c>) cuts its bucket's refill rate to <see cref="DecreaseFactor"/>
/// of what it was and empties it — once per rate: answers to requests sent before the cut do not cut again;</item>
/// <item>each answered request raises the rate by <see cref="IncreasePerSecond"/> of the documented rate per second
/// since the last change, up to the documented rate;</item>
/// <item>a <c>Retry-After</c> holds the bucket for that long.</item>
/// </list>
/// Environments that pace themselves this way converge on a fair share of a shared bucket without talking to each other
/// (additive increase, multiplicative decrease). Waiting requests get tokens by <see cref="CallPriority"/>, then by
/// ticket — the order of their first attempt, kept by their retries, so one instance's isolation is finished before
/// the next one's is begun rather than all of them advancing together; a <see cref="CallPriority.Deferred"/> one waits
/// while any other waits in the same account and Region, since which actions share a bucket is EC2's business. <c>THREATRESPONSE_EC2_RATE_SCALE</c> multiplies the documented rates
/// (tests compress time with it; accounts with raised limits may too).
/// </summary>
public sealed class Ec2RequestPacer(TimeProvider time, double scale = 1)
{
    /// <summary>A throttled bucket's rate becomes this share of what it was. 0.7: a mild cut, so the rate stays near a shared bucket's refill.</summary>
    public const double DecreaseFactor = 0.7;

    /// <summary>
    /// How fast an answered bucket's rate recovers: this share of the documented rate, per second. 1/40: from 70% back to
    /// the documented rate in 12 s when alone.
    /// </summary>
    public const double IncreasePerSecond = 1.0 / 40;

    /// <summary>A bucket's rate never falls below this share of the documented rate.</summary>
    public const double FloorShare = 1.0 / 50;

    /// <summary>A throttle or a call that had to wait for a token this recent (in documented time: divided by the rate scale) makes tokens scarce.</summary>
    private static readonly TimeSpan ScarceAfterLimit = TimeSpan.FromSeconds(10);

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

    private readonly ConcurrentDictionary<AwsScope, Scope> _scopes = new();
    private long _tickets;

    /// <summary>The clock the pacer runs on.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>A call's place in line: taken before its first attempt and kept for its retries.</summary>
    public long Ticket() => Interlocked.Increment(ref _tickets);

    /// <summary>
    /// Waits until the operation's bucket has a token for the scope and no call ahead (higher priority, or the same and
    /// an earlier <paramref name="ticket"/>) waits for it, and takes it.
    /// </summary>
    /// <returns>False when <paramref name="deadline"/> came first: no token was taken.</returns>
    public Task<bool> WaitAsync(AwsScope scope, string operation, CallPriority priority, long ticket, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        ScopeOf(scope).WaitAsync(BucketName(operation), priority, ticket, deadline, cancellationToken);

    /// <summary>
    /// A request of the operation, sent at <paramref name="sentAt"/> (<see cref="TimeProvider.GetTimestamp"/>), was
    /// throttled: its bucket slows down (unless the request was sent before the last cut; <see cref="long.MinValue"/>:
    /// never), and holds for <paramref name="retryAfter"/> when the answer said so.
    /// </summary>
    public void Throttled(AwsScope scope, string operation, long sentAt, TimeSpan? retryAfter) =>
        ScopeOf(scope).Throttled(BucketName(operation), sentAt, retryAfter);

    /// <summary>A request of the operation was answered (not throttled): its bucket's rate recovers a little.</summary>
    public void Answered(AwsScope scope, string operation) => ScopeOf(scope).Answered(BucketName(operation));

    /// <summary>Whether calls in the scope wait for tokens (other than deferred ones), or one was throttled or had to wait lately.</summary>
    public bool IsScarce(AwsScope scope) => _scopes.TryGetValue(scope, out var state) && state.IsScarce();

    /// <summary>The operation's bucket's refill rate now, per second (the documented one until it is throttled).</summary>
    public double RateOf(AwsScope scope, string operation) => ScopeOf(scope).RateOf(BucketName(operation));

    /// <summary>
    /// Takes a token if there is one, without waiting or queueing: for a call that goes anyway (urgent), and for an
    /// emulator that answers <c>RequestLimitExceeded</c> as EC2 would (it never reports throttling, so never adapts).
    /// </summary>
    public bool TryTake(AwsScope scope, string operation) => ScopeOf(scope).TryTake(BucketName(operation));

    private static string BucketName(string operation) =>
        Rates.ContainsKey(operation) ? operation : operation.StartsWith("Describe", StringComparison.Ordinal) ? "non-mutating" : "mutating";

    private Scope ScopeOf(AwsScope scope) => _scopes.GetOrAdd(scope, _ => new Scope(Time, scale));

    /// <summary>One account and Region: its buckets and the calls waiting for them, under one lock.</summary>
    private sealed class Scope
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

        /// <summary>Kept in the order tokens are given: by priority, then ticket.</summary>
        private readonly List<Waiter> _waiters = [];
        private readonly TimeProvider _time;
        private readonly double _scale;
        private readonly ITimer _timer;
        private long? _lastLimited;

        public Scope(TimeProvider time, double scale)
        {
            _time = time;
            _scale = scale;
            _timer = time.CreateTimer(_ => Pump(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public Task<bool> WaitAsync(string bucketName, CallPriority priority, long ticket, DateTimeOffset deadline, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Waiter waiter;
            lock (_lock)
            {
                var bucket = BucketFor(bucketName);
                var now = _time.GetTimestamp();

                // The common case, nothing waiting: no queue, no timer.
                if (_waiters.Count == 0 && _time.GetUtcNow() < deadline && bucket.TryTake(now, _time))
                {
                    return Task.FromResult(true);
                }

                waiter = new Waiter(bucket, priority, ticket, deadline);
                _lastLimited = now;
                var at = _waiters.FindIndex(w => w.Priority > priority || (w.Priority == priority && w.Ticket > ticket));
                _waiters.Insert(at < 0 ? _waiters.Count : at, waiter);
            }

            if (cancellationToken.CanBeCanceled)
            {
                waiter.Registration = cancellationToken.Register(() => Cancel(waiter, cancellationToken));
            }

            Pump();
            return waiter.Granted.Task;
        }

        public void Throttled(string bucketName, long sentAt, TimeSpan? retryAfter)
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                _lastLimited = now;
                BucketFor(bucketName).Throttled(now, sentAt, retryAfter, _time);
            }

            Pump();
        }

        public void Answered(string bucketName)
        {
            lock (_lock)
            {
                BucketFor(bucketName).Answered(_time.GetTimestamp(), _time);
            }
        }

        public bool IsScarce()
        {
            lock (_lock)
            {
                return _waiters.Any(w => w.Priority != CallPriority.Deferred)
                    || (_lastLimited is { } at && _time.GetElapsedTime(at) < ScarceAfterLimit / _scale);
            }
        }

        public double RateOf(string bucketName)
        {
            lock (_lock)
            {
                return BucketFor(bucketName).Rate;
            }
        }

        public bool TryTake(string bucketName)
        {
            lock (_lock)
            {
                return BucketFor(bucketName).TryTake(_time.GetTimestamp(), _time);
            }
        }

        private Bucket BucketFor(string name)
        {
            if (!_buckets.TryGetValue(name, out var bucket))
            {
                var (size, refill) = Rates.TryGetValue(name, out var known) ? known : name == "non-mutating" ? NonMutating : Mutating;
                bucket = new Bucket(size, refill * _scale, _time.GetTimestamp());
                _buckets.Add(name, bucket);
            }

            return bucket;
        }

        private void Cancel(Waiter waiter, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (!_waiters.Remove(waiter))
                {
                    return;
                }
            }

            waiter.Granted.TrySetCanceled(cancellationToken);
            Pump();
        }

        /// <summary>Gives tokens to the waiters that can have one now, fails those past their deadline, and sets the timer for the next.</summary>
        private void Pump()
        {
            var done = new List<(Waiter Waiter, bool Granted)>();
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                var utcNow = _time.GetUtcNow();
                var exhausted = new HashSet<Bucket>();
                var higherWaiting = false;
                foreach (var waiter in _waiters.ToList())
                {
                    if (waiter.Deadline <= utcNow)
                    {
                        done.Add((waiter, false));
                    }
                    else if (waiter.Priority == CallPriority.Deferred && higherWaiting)
                    {
                        continue;
                    }
                    else if (!exhausted.Contains(waiter.Bucket) && waiter.Bucket.TryTake(now, _time))
                    {
                        done.Add((waiter, true));
                    }
                    else
                    {
                        // Later waiters of this bucket queue behind this one.
                        exhausted.Add(waiter.Bucket);
                        higherWaiting |= waiter.Priority != CallPriority.Deferred;
                        continue;
                    }

                    _waiters.Remove(waiter);
                }

                var next = _waiters.Count == 0
                    ? Timeout.InfiniteTimeSpan
                    : _waiters.Select(w => w.Deadline - utcNow).Concat(exhausted.Select(b => b.UntilNextToken(now, _time))).Min();
                _timer.Change(next == Timeout.InfiniteTimeSpan ? next : next < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : next, Timeout.InfiniteTimeSpan);
            }

            foreach (var (waiter, granted) in done)
            {
                waiter.Registration.Dispose();
                waiter.Granted.TrySetResult(granted);
            }
        }
    }

    private sealed class Waiter(Bucket bucket, CallPriority priority, long ticket, DateTimeOffset deadline)
    {
        public Bucket Bucket { get; } = bucket;

        public CallPriority Priority { get; } = priority;

        public long Ticket { get; } = ticket;

        public DateTimeOffset Deadline { get; } = deadline;

        public TaskCompletionSource<bool> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }

    /// <summary>A token bucket whose refill rate adapts: multiplicative decrease on throttling, additive increase on answers.</summary>
    private sealed class Bucket(double size, double documentedRate, long now)
    {
        /// <summary>A token refilled up to a rounding error is a token: the timer fires when the arithmetic says one is due.</summary>
        private const double Rounding = 1e-9;

        private readonly double _size = size;
        private readonly double _documentedRate = documentedRate;
        private double _tokens = size;
        private long _refilledAt = now;
        private long _changedAt = now;
        private long _decreasedAt = long.MinValue;
        private long _holdUntil = long.MinValue;

        public double Rate { get; private set; } = documentedRate;

        public bool TryTake(long now, TimeProvider time)
        {
            if (now < _holdUntil)
            {
                return false;
            }

            Refill(now, time);
            if (_tokens < 1 - Rounding)
            {
                return false;
            }

            _tokens = Math.Max(0, _tokens - 1);
            return true;
        }

        public TimeSpan UntilNextToken(long now, TimeProvider time)
        {
            if (now < _holdUntil)
            {
                return time.GetElapsedTime(now, _holdUntil);
            }

            Refill(now, time);
            return TimeSpan.FromSeconds(Math.Max(0, 1 - _tokens) / Rate);
        }

        public void Throttled(long now, long sentAt, TimeSpan? retryAfter, TimeProvider time)
        {
            Refill(now, time);
            if (retryAfter is { } after && after > TimeSpan.Zero)
            {
                _holdUntil = Math.Max(_holdUntil, now + (long)(after.TotalSeconds * time.TimestampFrequency));
            }

            // A request sent before the last cut was paced at the old rate: its refusal says nothing about the new one.
            if (sentAt <= _decreasedAt)
            {
                return;
            }

            Rate = Math.Max(_documentedRate * FloorShare, Rate * DecreaseFactor);
            _tokens = 0;
            _decreasedAt = now;
            _changedAt = now;
        }

        public void Answered(long now, TimeProvider time)
        {
            Refill(now, time);
            Rate = Math.Min(_documentedRate, Rate + (_documentedRate * IncreasePerSecond * time.GetElapsedTime(_changedAt, now).TotalSeconds));
            _changedAt = now;
        }

        private void Refill(long now, TimeProvider time)
        {
            if (now > _refilledAt)
            {
                _tokens = Math.Min(_size, _tokens + (time.GetElapsedTime(_refilledAt, now).TotalSeconds * Rate));
                _refilledAt = now;
            }
        }
    }
}
