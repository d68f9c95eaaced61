using Amazon;
using Amazon.Runtime;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws;

/// <summary>What every AWSSDK-based adapter shares: pointing a client at the right endpoint, and turning SDK failures into <see cref="AwsOperationException"/>.</summary>
internal static class AwsSdk
{
    /// <summary>
    /// Sets the endpoint like the SDKs read the environment (<c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then
    /// <c>AWS_ENDPOINT_URL</c>), else the Region's endpoint.
    /// </summary>
    public static TConfig Configure<TConfig>(TConfig config, AwsEnvironment environment, string serviceId, string? region)
        where TConfig : ClientConfig
    {
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

    /// <summary>Runs one SDK call; an AWS error, a client error, a network failure or a timeout becomes an <see cref="AwsOperationException"/> with the AWS error code.</summary>
    public static async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
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
