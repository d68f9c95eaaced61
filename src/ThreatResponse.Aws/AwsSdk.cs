using Amazon;
using Amazon.Runtime;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws;

/// <summary>What every AWSSDK-based adapter shares: pointing a client at the right endpoint, and turning SDK failures into <see cref="AwsOperationException"/>.</summary>
internal static class AwsSdk
{
    /// <summary>
    /// Sets the endpoint like the SDKs read the environment (<c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then
    /// <c>AWS_ENDPOINT_URL</c>), else the Region's endpoint; retries (standard mode, 6 attempts) and the attempt timeout.
    /// </summary>
    public static TConfig Configure<TConfig>(TConfig config, AwsEnvironment environment, string serviceId, string? region)
        where TConfig : ClientConfig
    {
        // Standard retry mode with more attempts than the SDK's default: EC2 throttles bursts (RequestLimitExceeded) and
        // a containment that waits a few seconds beats one that gives up.
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = 5;
        config.Timeout = environment.AttemptTimeout;
        if (environment.EndpointFor(serviceId) is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region ?? environment.Region ?? "us-east-1";
        }
        else if ((region ?? environment.Region) is { } name)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(name);
        }

        return config;
    }

    /// <summary>
    /// Runs one SDK call; an AWS error, a client error, a network failure or a timeout becomes an
    /// <see cref="AwsOperationException"/> with the AWS error code. A response cut short (empty or truncated body, which
    /// the SDK's own retries do not cover) is retried twice more before it counts as a failure.
    /// </summary>
    public static async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await MappedAsync(operation, call);
            }
            catch (AwsOperationException e) when (e.ErrorCode == "MalformedResponse" && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * Random.Shared.Next(1, 4)));
            }
        }
    }

    private static async Task<T> MappedAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is System.Xml.XmlException or System.Text.Json.JsonException or IOException)
        {
            throw new AwsOperationException(operation, "MalformedResponse", $"the response was cut short or unreadable: {e.Message}", e);
        }
        catch (AmazonServiceException e)
        {
            throw new AwsOperationException(operation, e.ErrorCode ?? e.StatusCode.ToString(), e.Message, e);
        }
        catch (AmazonClientException e)
        {
            throw new AwsOperationException(operation, "ClientError", e.Message, e);
        }
        catch (HttpRequestException e)
        {
            throw new AwsOperationException(operation, "NetworkError", e.Message, e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new AwsOperationException(operation, "Timeout", e.Message, e);
        }
    }
}
