using Microsoft.Extensions.Time.Testing;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Tests.Ec2;

/// <summary>
/// The pacer's adaptation and order on a fake clock: nothing here waits for real time. The mutating bucket is EC2's
/// documented 50 tokens, 5 per second.
/// </summary>
public sealed class Ec2RequestPacerTests
{
    private const string Mutating = "ModifyInstanceMetadataOptions";
    private static readonly AwsScope Scope = new("123456789012", "us-east-1");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Later => _time.GetUtcNow().AddMinutes(5);

    [Fact]
    public void Throttled_RequestSentAfterTheLastCut_CutsTheRateToSeventyPercentOncePerRate()
    {
        var pacer = new Ec2RequestPacer(_time);
        var sentBefore = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(10));

        pacer.Throttled(Scope, Mutating, sentBefore, retryAfter: null);
        var afterFirst = pacer.RateOf(Scope, Mutating);
        pacer.Throttled(Scope, Mutating, sentBefore, retryAfter: null);
        var afterAnswerToAnOlderRequest = pacer.RateOf(Scope, Mutating);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        var sentAfter = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(10));
        pacer.Throttled(Scope, Mutating, sentAfter, retryAfter: null);

        Assert.Equal(3.5, afterFirst, 6);
        Assert.Equal(3.5, afterAnswerToAnOlderRequest, 6);
        Assert.Equal(2.45, pacer.RateOf(Scope, Mutating), 6);
        Assert.Equal(20, pacer.RateOf(Scope, "DescribeInstances"), 6);
    }

    [Fact]
    public void Answered_AfterACut_RecoversAdditivelyUpToTheDocumentedRate()
    {
        var pacer = new Ec2RequestPacer(_time);
        pacer.Throttled(Scope, Mutating, _time.GetTimestamp() - 1, retryAfter: null);

        _time.Advance(TimeSpan.FromSeconds(4));
        pacer.Answered(Scope, Mutating);
        var afterFourSeconds = pacer.RateOf(Scope, Mutating);
        _time.Advance(TimeSpan.FromMinutes(2));
        pacer.Answered(Scope, Mutating);

        Assert.Equal(3.5 + (5.0 / 40 * 4), afterFourSeconds, 6);
        Assert.Equal(5, pacer.RateOf(Scope, Mutating), 6);
    }

    [Fact]
    public void Throttled_ManyTimes_RateNeverBelowTheFloor()
    {
        var pacer = new Ec2RequestPacer(_time, scale: 2);
        for (var i = 0; i < 100; i++)
        {
            var sent = _time.GetTimestamp();
            _time.Advance(TimeSpan.FromMilliseconds(1));
            pacer.Throttled(Scope, Mutating, sent, retryAfter: null);
        }

        Assert.Equal(5 * 2 * Ec2RequestPacer.FloorShare, pacer.RateOf(Scope, Mutating), 6);
    }

    [Fact]
    public async Task WaitAsync_ThrottledWithRetryAfter_NoTokenUntilItPassed()
    {
        var pacer = new Ec2RequestPacer(_time);
        pacer.Throttled(Scope, Mutating, _time.GetTimestamp() - 1, TimeSpan.FromSeconds(3));

        var waiting = pacer.WaitAsync(Scope, Mutating, CallPriority.Urgent, pacer.Ticket(), Later, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(2.9));
        var grantedEarly = waiting.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(0.4));

        Assert.False(grantedEarly);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(pacer.IsScarce(Scope));
    }

    [Fact]
    public async Task WaitAsync_BucketEmpty_UrgentBeforeEarlierContainmentAndDeferredAfterBoth()
    {
        var pacer = new Ec2RequestPacer(_time);
        Drain(pacer, Mutating, 50);

        var containment = pacer.WaitAsync(Scope, Mutating, CallPriority.Containment, pacer.Ticket(), Later, CancellationToken.None);
        var deferred = pacer.WaitAsync(Scope, "CreateTags", CallPriority.Deferred, pacer.Ticket(), Later, CancellationToken.None);
        var urgent = pacer.WaitAsync(Scope, Mutating, CallPriority.Urgent, pacer.Ticket(), Later, CancellationToken.None);

        // CreateTags has its own full bucket, but a deferred call waits while containment waits in the account and Region.
        Assert.False(deferred.IsCompleted);
        Assert.True(pacer.IsScarce(Scope));
        _time.Advance(TimeSpan.FromSeconds(0.2));
        var first = (urgent.IsCompleted, containment.IsCompleted, deferred.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.2));

        Assert.Equal((true, false, false), first);
        Assert.True(await containment.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await deferred.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(pacer.IsScarce(Scope));
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(pacer.IsScarce(Scope));
    }

    [Fact]
    public async Task WaitAsync_RetryOfAnEarlierCall_KeepsItsPlaceAheadOfLaterCalls()
    {
        var pacer = new Ec2RequestPacer(_time);
        Drain(pacer, Mutating, 50);
        var earlier = pacer.Ticket();
        var later = pacer.Ticket();

        var laterCall = pacer.WaitAsync(Scope, Mutating, CallPriority.Containment, later, Later, CancellationToken.None);
        var earlierCallsRetry = pacer.WaitAsync(Scope, Mutating, CallPriority.Containment, earlier, Later, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(0.25));
        var first = (earlierCallsRetry.IsCompleted, laterCall.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.2));

        Assert.Equal((true, false), first);
        Assert.True(await laterCall.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task WaitAsync_DeadlineBeforeAToken_FalseAndNoTokenTaken()
    {
        var pacer = new Ec2RequestPacer(_time);
        Drain(pacer, Mutating, 50);

        var waiting = pacer.WaitAsync(Scope, Mutating, CallPriority.Containment, pacer.Ticket(), _time.GetUtcNow().AddSeconds(0.1), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(0.15));

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(pacer.TryTake(Scope, Mutating));
    }

    /// <summary>
    /// Three execution environments, each pacing itself and none aware of the others, against one emulated bucket of
    /// EC2's documented size and refill: their first burst overdraws it, and then they settle on a fair share with
    /// few refusals. Simulated on the fake clock in steps of 10 ms; every request is answered at once.
    /// </summary>
    [Fact]
    public void ThreeEnvironments_OneSharedBucket_ConvergeOnFairSharesAndThrottlingFallsAway()
    {
        var shared = new Ec2RequestPacer(_time);
        var environments = Enumerable.Range(0, 3).Select(_ => new SimulatedEnvironment(new Ec2RequestPacer(_time), Later)).ToList();
        var throttledPerSecond = new int[120];
        for (var step = 0; step < 12_000; step++)
        {
            foreach (var environment in environments)
            {
                throttledPerSecond[step / 100] += environment.SendWhatIsGranted(shared, _time, counted: step >= 6_000);
            }

            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // The bucket gives 50 + 5 per second: 650 in 120 s. Used nearly all, shared fairly over the last minute.
        var answered = environments.Sum(e => e.Answered);
        Assert.True(answered >= 600, $"answered {answered} of the bucket's 650");
        Assert.All(environments, e => Assert.InRange(e.AnsweredLastMinute, 60, 150));
        // The first burst is refused; afterwards a refusal now and then marks each environment probing for more.
        Assert.True(throttledPerSecond[0] >= 10, $"throttled in the first second: {throttledPerSecond[0]}");
        Assert.All(throttledPerSecond.Skip(5), n => Assert.InRange(n, 0, 2));
        var lastMinute = throttledPerSecond.Skip(60).Sum();
        Assert.True(lastMinute <= 45, $"throttled in the last minute: {lastMinute}, against about 300 answered");
    }

    private static void Drain(Ec2RequestPacer pacer, string operation, int tokens)
    {
        for (var i = 0; i < tokens; i++)
        {
            Assert.True(pacer.TryTake(Scope, operation));
        }
    }

    /// <summary>One execution environment with a backlog: keeps four requests waiting for its pacer, sends each as it is granted.</summary>
    private sealed class SimulatedEnvironment(Ec2RequestPacer pacer, DateTimeOffset deadline)
    {
        private readonly List<Task<bool>> _waiting = [];

        public int Answered { get; private set; }

        public int AnsweredLastMinute { get; private set; }

        /// <returns>How many of the requests sent were throttled.</returns>
        public int SendWhatIsGranted(Ec2RequestPacer shared, TimeProvider time, bool counted)
        {
            while (_waiting.Count < 4)
            {
                _waiting.Add(pacer.WaitAsync(Scope, Mutating, CallPriority.Containment, pacer.Ticket(), deadline, CancellationToken.None));
            }

            var throttled = 0;
            foreach (var granted in _waiting.Where(w => w.IsCompleted).ToList())
            {
                _waiting.Remove(granted);
                var sent = time.GetTimestamp();
                if (shared.TryTake(Scope, Mutating))
                {
                    pacer.Answered(Scope, Mutating);
                    Answered++;
                    AnsweredLastMinute += counted ? 1 : 0;
                }
                else
                {
                    pacer.Throttled(Scope, Mutating, sent, retryAfter: null);
                    throttled++;
                }
            }

            return throttled;
        }
    }
}
