namespace ThreatResponse.Core.Responses;

/// <summary>
/// Thrown after a response was notified and recorded, when it did not complete: Lambda retries the event and, after
/// its retries, keeps it in the on-failure queue. Containment is idempotent, so a retry redoes only what is missing.
/// </summary>
public sealed class ResponseFailedException : Exception
{
    public ResponseFailedException(ResponseResult result)
        : base(Describe(result)) => Result = result;

    public ResponseFailedException()
    {
    }

    public ResponseFailedException(string message)
        : base(message)
    {
    }

    public ResponseFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ResponseResult? Result { get; }

    private static string Describe(ResponseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var failed = result.Summary.Findings.Where(f => f.Outcome == Containment.StepOutcome.Failed).Select(f => f.Summary).ToList();
        var updates = result.FindingUpdateError ?? (result.FindingUpdates is { Unprocessed.Count: > 0 } u
            ? $"{u.Unprocessed.Count} finding update(s) not processed: {string.Join("; ", u.Unprocessed.Select(x => $"{x.Id} {x.ErrorCode}"))}"
            : null);
        return $"response {result.Summary.Report.ReportId} did not complete: {string.Join(" | ", failed.Append(updates).OfType<string>())}";
    }
}
