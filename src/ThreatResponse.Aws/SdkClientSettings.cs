using Amazon;
using Amazon.Runtime;

namespace ThreatResponse.Aws;

/// <summary>How every AWSSDK client of ours is configured: endpoint from the environment, retries, attempt timeout.</summary>
internal static class SdkClientSettings
{
    /// <summary>
    /// Sets the endpoint like the SDKs read the environment (<c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then
    /// <c>AWS_ENDPOINT_URL</c>), else the Region's endpoint; retries (standard mode, 6 attempts; EC2: <see cref="ApplyEc2"/>)
    /// and the attempt timeout.
    /// </summary>
    public static TConfig Apply<TConfig>(TConfig config, AwsEnvironment environment, string serviceId, string? region)
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
    /// <see cref="Apply"/> for EC2, whose calls <see cref="Ec2.Ec2InstanceContainment"/> retries itself — paced, by
    /// priority, until the invocation's deadline — so the SDK does not retry them, and reports <c>Retry-After</c> to it.
    /// </summary>
    public static Amazon.EC2.AmazonEC2Config ApplyEc2(Amazon.EC2.AmazonEC2Config config, AwsEnvironment environment, string? region)
    {
        Apply(config, environment, "EC2", region);
        config.MaxErrorRetry = 0;
        config.HttpClientFactory = Ec2.RetryAfterHint.HttpClients;
        return config;
    }
}
