namespace ThreatResponse.Aws.Http;

/// <summary>
/// Where a signed client sends a service's requests, resolved like the AWS SDKs: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>,
/// then <c>AWS_ENDPOINT_URL</c>, then the service's regional endpoint in the Region's partition.
/// </summary>
public static class AwsServiceEndpoint
{
    /// <param name="endpointPrefix">The host prefix, e.g. <c>sns</c>, <c>securityhub</c>.</param>
    /// <param name="environmentId">The SDK's environment id, e.g. <c>SNS</c>, <c>SECURITYHUB</c>.</param>
    public static Uri Resolve(AwsEnvironment environment, string endpointPrefix, string environmentId, string region)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.EndpointFor(environmentId) is { } configured)
        {
            return new Uri(configured.EndsWith('/') ? configured : configured + "/");
        }

        return new Uri($"https://{endpointPrefix}.{region}.{DnsSuffix(region)}/");
    }

    /// <summary>The DNS suffix of the Region's partition: China Regions are under amazonaws.com.cn.</summary>
    public static string DnsSuffix(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
}
