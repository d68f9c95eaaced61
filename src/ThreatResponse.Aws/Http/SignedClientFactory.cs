using System.Collections.Concurrent;
using Amazon.Runtime;

namespace ThreatResponse.Aws.Http;

/// <summary>
/// Signed clients per service and Region over one shared <see cref="HttpClient"/> (connections pooled and recycled),
/// created once per execution environment.
/// </summary>
public sealed class SignedClientFactory(AwsEnvironment environment, HttpMessageHandler? handler = null, AwsRetryPolicy? retry = null, TimeProvider? time = null) : IDisposable
{
    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly ConcurrentDictionary<(string Service, string Region, string? Account), AwsSignedHttpClient> _clients = new();

    /// <summary>Credentials for every client; null: AWSSDK.Core's default chain.</summary>
    public Func<CancellationToken, Task<AWSCredentials>>? Credentials { get; init; }

    public AwsSignedHttpClient Sns(string region) => For("sns", "SNS", region);

    public AwsSignedHttpClient SecurityHub(string region) => For("securityhub", "SECURITYHUB", region);

    /// <summary>Auto Scaling in a member account: <paramref name="credentials"/> are that account's, not <see cref="Credentials"/>.</summary>
    public AwsSignedHttpClient AutoScaling(string account, string region, Func<CancellationToken, Task<AWSCredentials>> credentials) =>
        For("autoscaling", "AUTO_SCALING", region, account, credentials);

    /// <summary>ELBv2 in a member account, like <see cref="AutoScaling"/>.</summary>
    public AwsSignedHttpClient ElasticLoadBalancing(string account, string region, Func<CancellationToken, Task<AWSCredentials>> credentials) =>
        For("elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2", region, account, credentials);

    /// <summary>
    /// IAM in a member account, like <see cref="AutoScaling"/>; global, so one client per account and partition
    /// (<paramref name="region"/> only names the partition).
    /// </summary>
    public AwsSignedHttpClient Iam(string account, string region, Func<CancellationToken, Task<AWSCredentials>> credentials)
    {
        var (endpoint, signingRegion) = AwsServiceEndpoint.Iam(environment, region);
        return _clients.GetOrAdd(("iam", signingRegion, account), key => new AwsSignedHttpClient(
            _http, endpoint, key.Service, key.Region, credentials, retry ?? new AwsRetryPolicy { AttemptTimeout = environment.AttemptTimeout }, time));
    }

    public void Dispose() => _http.Dispose();

    private AwsSignedHttpClient For(string service, string environmentId, string region, string? account = null, Func<CancellationToken, Task<AWSCredentials>>? credentials = null) =>
        _clients.GetOrAdd((service, region, account), key => new AwsSignedHttpClient(
            _http,
            AwsServiceEndpoint.Resolve(environment, key.Service, environmentId, key.Region),
            key.Service,
            key.Region,
            credentials ?? Credentials,
            retry ?? new AwsRetryPolicy { AttemptTimeout = environment.AttemptTimeout },
            time));
}
