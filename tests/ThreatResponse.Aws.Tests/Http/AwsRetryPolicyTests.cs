using System.Net;
using System.Net.Http.Headers;
using ThreatResponse.Aws.Http;

namespace ThreatResponse.Aws.Tests.Http;

public sealed class AwsRetryPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RetryAfter_DeltaSeconds_ThatLong()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(3), AwsRetryPolicy.RetryAfter(response, Now));
    }

    [Fact]
    public void RetryAfter_HttpDate_UntilThen()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(Now.AddSeconds(7));

        Assert.Equal(TimeSpan.FromSeconds(7), AwsRetryPolicy.RetryAfter(response, Now));
    }

    [Fact]
    public void RetryAfter_AmzRetryAfterMilliseconds_ThatLong()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("x-amz-retry-after", "1500");

        Assert.Equal(TimeSpan.FromMilliseconds(1500), AwsRetryPolicy.RetryAfter(response, Now));
    }

    [Fact]
    public void RetryAfter_NoneOrInThePast_Null()
    {
        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        past.Headers.RetryAfter = new RetryConditionHeaderValue(Now.AddSeconds(-5));

        Assert.Null(AwsRetryPolicy.RetryAfter(none, Now));
        Assert.Null(AwsRetryPolicy.RetryAfter(past, Now));
    }

    [Fact]
    public void DelayBefore_RetryAfterLongerThanTheBackoff_WaitsItUpToTheMaximum()
    {
        var policy = new AwsRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(100), MaxRetryAfter = TimeSpan.FromSeconds(20) };

        Assert.Equal(TimeSpan.FromSeconds(3), policy.DelayBefore(1, new Random(1), TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(20), policy.DelayBefore(1, new Random(1), TimeSpan.FromMinutes(5)));
        Assert.True(policy.DelayBefore(1, new Random(1), null) <= TimeSpan.FromMilliseconds(100));
    }
}
