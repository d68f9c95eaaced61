namespace ThreatResponse.Core.Containment.Engine;

/// <summary>
/// Records the steps of one instance's response, in the order they were started (parallel steps are started in code
/// order, so the report reads the same every time), with outcome, detail, AWS error code and duration.
/// </summary>
internal sealed class StepLog(TimeProvider time)
{
    private readonly List<(int Order, StepResult Result)> _steps = [];
    private int _next;

    public IReadOnlyList<StepResult> Steps
    {
        get
        {
            lock (_steps)
            {
                return [.. _steps.OrderBy(s => s.Order).Select(s => s.Result)];
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> as a step. It returns the detail to record; the step is <see cref="StepOutcome.DryRun"/>
    /// when <paramref name="dryRun"/>. An <see cref="AwsOperationException"/> (or <see cref="StepFailedException"/>) makes it failed with its error code.
    /// Returns whether the step succeeded (or passed its dry run). A note for its failure's detail: <see cref="Noted"/>.
    /// </summary>
    public async Task<bool> RunAsync(ContainmentAction? action, StepName step, string? target, bool dryRun, Func<Task<string?>> body)
    {
        var order = Interlocked.Increment(ref _next);
        var started = time.GetTimestamp();
        try
        {
            var detail = await body();
            Add(order, new StepResult(action, step, target, dryRun ? StepOutcome.DryRun : StepOutcome.Succeeded, detail, null, Elapsed(started)));
            return true;
        }
        catch (AwsOperationException e)
        {
            Add(order, new StepResult(action, step, target, StepOutcome.Failed, e.Message, e.ErrorCode, Elapsed(started)));
            return false;
        }
        catch (StepFailedException e)
        {
            Add(order, new StepResult(action, step, target, StepOutcome.Failed, e.Message, e.ErrorCode, Elapsed(started)));
            return false;
        }
    }

    /// <summary>A step's body whose failure's detail ends with <paramref name="note"/> (what the failure means for the response).</summary>
    public static Func<Task<string?>> Noted(string note, Func<Task<string?>> body) => async () =>
    {
        try
        {
            return await body();
        }
        catch (AwsOperationException e)
        {
            throw new StepFailedException(e.ErrorCode, $"{e.Message}. {note}", e);
        }
        catch (StepFailedException e)
        {
            throw new StepFailedException(e.ErrorCode, $"{e.Message}. {note}", e);
        }
    };

    public void Skip(ContainmentAction? action, StepName step, string? target, string reason) =>
        Add(Interlocked.Increment(ref _next), new StepResult(action, step, target, StepOutcome.Skipped, reason, null, 0));

    public void Fail(ContainmentAction? action, StepName step, string? target, string reason, string? errorCode = null) =>
        Add(Interlocked.Increment(ref _next), new StepResult(action, step, target, StepOutcome.Failed, reason, errorCode, 0));

    /// <summary>A step decided and done elsewhere (a shared per-VPC task), recorded on this instance too.</summary>
    public void Record(StepResult result) => Add(Interlocked.Increment(ref _next), result);

    private long Elapsed(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;

    private void Add(int order, StepResult result)
    {
        lock (_steps)
        {
            _steps.Add((order, result));
        }
    }
}
