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

    /// <summary>
    /// IAM, a global service: one endpoint and signing Region per partition (<c>iam.amazonaws.com</c> signed for
    /// us-east-1, and China's and GovCloud's own), whatever Region the instance is in; <c>AWS_ENDPOINT_URL_IAM</c>, then
    /// <c>AWS_ENDPOINT_URL</c>, override the endpoint.
    /// </summary>
    /// <param name="region">Any Region of the partition wanted.</param>
    public static (Uri Endpoint, string SigningRegion) Iam(AwsEnvironment environment, string region)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (host, signingRegion) = Accounts.MemberAccountCredentials.PartitionOf(region) switch
        {
            "aws-cn" => ("iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
            "aws-us-gov" => ("iam.us-gov.amazonaws.com", "us-gov-west-1"),
            _ => ("iam.amazonaws.com", "us-east-1"),
        };
        var configured = environment.EndpointFor("IAM");
        return (configured is null ? new Uri($"https://{host}/") : new Uri(configured.EndsWith('/') ? configured : configured + "/"), signingRegion);
    }

    /// <summary>The DNS suffix of the Region's partition: China Regions are under amazonaws.com.cn.</summary>
    public static string DnsSuffix(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
}
