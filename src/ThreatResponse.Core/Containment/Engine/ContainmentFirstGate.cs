using System.Collections.Concurrent;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Containment.Engine;

/// <summary>
/// Containment before everything else, per request: when EC2 request tokens are scarce, work off the isolation path
/// (status tags, snapshots, termination protection, shutdown behaviour, stop) waits until every instance of the request
/// was served its isolation path — isolated, failed, skipped or not reached — so the most instances are isolated soonest.
/// When tokens are plentiful nothing waits, and that work runs alongside isolation as before.
/// </summary>
/// <param name="isolating">How many instances of the request are to be isolated (0: nothing waits).</param>
internal sealed class ContainmentFirstGate(IInstanceContainment ec2, TimeProvider time, IEnumerable<InstanceReference> isolating)
{
    private readonly ConcurrentDictionary<InstanceReference, TaskCompletionSource> _served = new(
        isolating.Select(i => KeyValuePair.Create(i, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))));

    private readonly Lock _lock = new();
    private readonly List<string> _waitedSteps = [];
    private readonly HashSet<InstanceReference> _waitedInstances = [];
    private long _longestWaitMs;
    private Task? _allServed;

    /// <summary>Completes once the instance's isolation path is served (at once for an instance not being isolated).</summary>
    public Task WhenServed(InstanceReference instance) => _served.TryGetValue(instance, out var served) ? served.Task : Task.CompletedTask;

    /// <summary>
    /// How long an instance holds its concurrency slot: until its isolation path is served or its whole response is
    /// done, whichever comes first. The rest of its response (snapshots, stop, tags) goes on outside the slot, so work
    /// that waits for every instance's isolation never keeps the next instance from starting.
    /// </summary>
    public Task UntilServedOrDoneAsync(InstanceReference instance, Task response) => Task.WhenAny(response, WhenServed(instance));

    /// <summary>The instance's isolation path is done, whatever came of it; safe to call more than once.</summary>
    public void Served(InstanceReference instance)
    {
        if (_served.TryGetValue(instance, out var served))
        {
            served.TrySetResult();
        }
    }

    /// <summary>The detail of a step that waited, saying so.</summary>
    public static string? Waited(string? detail, TimeSpan? waited) =>
        waited is { } w ? $"{detail} (waited {w.TotalSeconds:0.0} s for every instance's isolation: EC2 request tokens were scarce)" : detail;

    /// <summary>What waited, for the report; null when nothing did.</summary>
    public DeferredWork? Summary()
    {
        lock (_lock)
        {
            return _waitedSteps.Count == 0 ? null : new DeferredWork([.. _waitedSteps], _waitedInstances.Count, _longestWaitMs);
        }
    }

    /// <summary>
    /// Before a step off the isolation path: when tokens are scarce in the instance's account and Region, waits until
    /// every instance was served, and records the wait for the report.
    /// </summary>
    /// <returns>How long it waited; null when it did not.</returns>
    public async Task<TimeSpan?> YieldAsync(InstanceReference instance, StepName step, CancellationToken cancellationToken)
    {
        var all = AllServed();
        if (all.IsCompleted || !ec2.AreRequestTokensScarce(AwsScope.Of(instance)))
        {
            return null;
        }

        var started = time.GetTimestamp();
        await all.WaitAsync(cancellationToken);
        var waited = time.GetElapsedTime(started);
        lock (_lock)
        {
            if (!_waitedSteps.Contains(step))
            {
                _waitedSteps.Add(step);
            }

            _waitedInstances.Add(instance);
            _longestWaitMs = Math.Max(_longestWaitMs, (long)waited.TotalMilliseconds);
        }

        return waited;
    }

    private Task AllServed()
    {
        lock (_lock)
        {
            return _allServed ??= Task.WhenAll(_served.Values.Select(s => s.Task));
        }
    }
}
