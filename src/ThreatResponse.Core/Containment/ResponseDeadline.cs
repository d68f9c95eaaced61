namespace ThreatResponse.Core.Containment;

/// <summary>
/// When a response stops starting and retrying EC2 calls, so that what it did can still be recorded, written on the
/// findings and notified before the function times out. A call that could not be made by then fails with
/// <see cref="NotReachedInTime"/>; the response then fails after notifying, and Lambda's retry resumes where it stopped
/// (containment is idempotent).
/// </summary>
/// <param name="At">No EC2 call is started or retried after it.</param>
/// <param name="Grace">
/// How much longer an <see cref="CallPriority.Urgent"/> call may still be retried: the isolation group of an ENI already
/// in the all-open conversion group, or its own groups put back.
/// </param>
public sealed record ResponseDeadline(DateTimeOffset At, TimeSpan Grace)
{
    /// <summary>The error code of a step whose call was not made in time; its detail says why ("throttled").</summary>
    public const string NotReachedInTime = "NotReachedInTime";

    /// <summary>The longest margin kept before the timeout: 15 s (a 120 s function stops EC2 calls at 105 s).</summary>
    public static readonly TimeSpan MaxMargin = TimeSpan.FromSeconds(15);

    /// <summary>The deadline of urgent calls.</summary>
    public DateTimeOffset UrgentAt => At + Grace;

    /// <summary>
    /// The deadline of an invocation that started at <paramref name="start"/> with <paramref name="timeout"/>: calls stop
    /// an eighth of the timeout before it, at most <see cref="MaxMargin"/>; urgent calls may use a third of that margin,
    /// and an ENI's own groups put back after its isolation group failed another third. The last third is for the
    /// finding updates, the notification and the ledger's record, a few round trips that have their own retries.
    /// </summary>
    public static ResponseDeadline ForFunctionTimeout(DateTimeOffset start, TimeSpan timeout)
    {
        var margin = TimeSpan.FromTicks(Math.Min(MaxMargin.Ticks, timeout.Ticks / 8));
        return new ResponseDeadline(start + timeout - margin, margin / 3);
    }

    /// <summary>Whether <paramref name="step"/> failed because its call was not made in time.</summary>
    public static bool WasNotReached(StepResult step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.ErrorCode == NotReachedInTime;
    }
}
