using Amazon.Runtime;
using ThreatResponse.Aws.Http;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// Carries a <c>Retry-After</c> from an EC2 answer back to the call that sent the request: the SDK turns an error
/// answer into an exception without its headers, so the EC2 clients' HTTP handler (<see cref="HttpClients"/>) puts it in
/// the hint the calling attempt watches (an async-local box, which flows into the SDK's pipeline with the call).
/// </summary>
internal sealed class RetryAfterHint
{
    private static readonly AsyncLocal<RetryAfterHint?> Watched = new();

    /// <summary>What the last answer to the attempt asked; null when nothing.</summary>
    public TimeSpan? RetryAfter { get; private set; }

    /// <summary>Watches the answers to the attempt about to be sent by this async flow.</summary>
    public static RetryAfterHint Watch()
    {
        var hint = new RetryAfterHint();
        Watched.Value = hint;
        return hint;
    }

    /// <summary>HTTP clients for the EC2 SDK clients: as the SDK makes them, plus the handler that reads <c>Retry-After</c>.</summary>
    public static HttpClientFactory HttpClients { get; } = new ReadingFactory();

    private sealed class ReadingFactory : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            ArgumentNullException.ThrowIfNull(clientConfig);
            var transport = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
#pragma warning disable CA2000 // The HttpClient owns and disposes its handlers.
            return new HttpClient(new ReadingHandler { InnerHandler = transport })
            {
                // The SDK applies its Timeout to the HttpClients it makes itself; a factory's must do it.
                Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100),
            };
#pragma warning restore CA2000
        }
    }

    private sealed class ReadingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode && Watched.Value is { } hint)
            {
                hint.RetryAfter = AwsRetryPolicy.RetryAfter(response, DateTimeOffset.UtcNow);
            }

            return response;
        }
    }
}
