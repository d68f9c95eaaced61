using System.Net;
using Amazon.Runtime;

namespace ThreatResponse.Testing;

/// <summary>
/// Gives SDK clients an <see cref="HttpClient"/> that records every request in an <see cref="AwsRequestLog"/>, can add
/// latency (so parallel requests visibly overlap when round trips are counted), and can inject faults.
/// </summary>
public sealed class RecordingHttpClientFactory(AwsRequestLog log, TimeSpan addedLatency = default) : HttpClientFactory
{
    private readonly List<Fault> _faults = [];

    /// <summary>Fails the next <paramref name="times"/> requests whose body matches, with an AWS error of that code and HTTP status.</summary>
    public void Inject(Func<string, bool> bodyMatches, string errorCode, HttpStatusCode status = HttpStatusCode.InternalServerError, int times = int.MaxValue)
    {
        lock (_faults)
        {
            _faults.Add(new Fault(bodyMatches, errorCode, status, times));
        }
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new RecordingHandler(this) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private Fault? TakeFault(string body)
    {
        lock (_faults)
        {
            var fault = _faults.Find(f => f.Remaining > 0 && f.Matches(body));
            if (fault is not null)
            {
                fault.Remaining--;
            }

            return fault;
        }
    }

    private sealed class Fault(Func<string, bool> matches, string errorCode, HttpStatusCode status, int times)
    {
        public Func<string, bool> Matches { get; } = matches;

        public string ErrorCode { get; } = errorCode;

        public HttpStatusCode Status { get; } = status;

        public int Remaining { get; set; } = times;
    }

    private sealed class RecordingHandler(RecordingHttpClientFactory owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            var operation = OperationOf(request, body);
            var start = AwsRequestLog.Now();
            if (owner.TakeFault(body) is { } fault)
            {
                owner.Log(new RecordedRequest(operation, body, start, AwsRequestLog.Now(), (int)fault.Status));
                return new HttpResponseMessage(fault.Status)
                {
                    Content = new StringContent(
                        $"<Response><Errors><Error><Code>{fault.ErrorCode}</Code><Message>injected by the test</Message></Error></Errors><RequestID>test</RequestID></Response>",
                        System.Text.Encoding.UTF8,
                        "text/xml"),
                };
            }

            if (owner.Latency > TimeSpan.Zero)
            {
                await Task.Delay(owner.Latency, cancellationToken);
            }

            var response = await base.SendAsync(request, cancellationToken);
            owner.Log(new RecordedRequest(operation, body, start, AwsRequestLog.Now(), (int)response.StatusCode));
            return response;
        }

        private static string OperationOf(HttpRequestMessage request, string body)
        {
            foreach (var pair in body.Split('&'))
            {
                if (pair.StartsWith("Action=", StringComparison.Ordinal))
                {
                    return Uri.UnescapeDataString(pair["Action=".Length..]);
                }
            }

            return request.Headers.TryGetValues("X-Amz-Target", out var target) ? target.First() : request.RequestUri?.AbsolutePath ?? "?";
        }
    }

    private TimeSpan Latency => addedLatency;

    private void Log(RecordedRequest request) => log.Add(request);
}
