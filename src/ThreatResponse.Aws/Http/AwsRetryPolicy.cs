namespace ThreatResponse.Aws.Http;

/// <summary>
/// When and how long to wait before retrying an AWS request: throttling, 5xx, timeouts and dropped connections are
/// retried with full-jitter exponential backoff (the AWS SDKs' "standard" mode); everything else fails at once.
/// </summary>
public sealed record AwsRetryPolicy
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    /// <summary>Attempts in all, the first included. Default 4.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The backoff before retry n is a random duration up to min(<see cref="MaxDelay"/>, BaseDelay × 2ⁿ⁻¹). Default 100 ms.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Each attempt's own timeout. Default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public static bool IsThrottling(string? errorCode) => errorCode is not null && ThrottlingCodes.Contains(errorCode);

    public static bool IsRetryable(int statusCode, string? errorCode) =>
        statusCode is 429 or >= 500 || IsThrottling(errorCode);

    /// <summary>The longest <c>Retry-After</c> honoured: a longer one is waited this long, then the request tried again.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long the answer asks the caller to wait before trying again: <c>Retry-After</c> (seconds or an HTTP date), or
    /// <c>x-amz-retry-after</c> (milliseconds); null when it asks nothing.
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Headers.RetryAfter is { } header)
        {
            var after = header.Delta ?? (header.Date is { } date ? date - now : null);
            return after is { } a && a > TimeSpan.Zero ? a : null;
        }

        return response.Headers.TryGetValues("x-amz-retry-after", out var values)
            && long.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    /// <summary>The wait before retry n: the jittered backoff, or the answer's <c>Retry-After</c> when longer (up to <see cref="MaxRetryAfter"/>).</summary>
    public TimeSpan DelayBefore(int retry, Random random, TimeSpan? retryAfter)
    {
        var backoff = DelayBefore(retry, random);
        return retryAfter is { } asked && asked > backoff ? (asked < MaxRetryAfter ? asked : MaxRetryAfter) : backoff;
    }

    public TimeSpan DelayBefore(int retry, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
