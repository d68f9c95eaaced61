using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Http;

/// <summary>A request to an AWS service, before signing.</summary>
public sealed record AwsHttpRequest(string Operation, HttpMethod Method, string PathAndQuery, byte[] Body, string ContentType, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>A successful response: status and body.</summary>
public sealed record AwsHttpResponse(HttpStatusCode StatusCode, byte[] Body);

/// <summary>
/// The transport under our typed clients for services whose SDK package is not served here (SNS, Security Hub):
/// signs each attempt with AWSSDK.Core's <see cref="AWSSigV4Signer"/>, takes credentials from AWSSDK.Core's default
/// resolver unless given others, retries throttling, 5xx, timeouts and dropped connections with jittered backoff (or as
/// long as a <c>Retry-After</c> asks), and
/// turns AWS error responses (query-XML or JSON) into <see cref="AwsOperationException"/> with the AWS error code.
/// </summary>
public sealed class AwsSignedHttpClient
{
    private readonly HttpClient _http;
    private readonly Func<CancellationToken, Task<AWSCredentials>> _credentials;
    private readonly string _signingName;
    private readonly RegionEndpoint _region;
    private readonly Uri _endpoint;
    private readonly AwsRetryPolicy _retry;
    private readonly TimeProvider _time;
    private readonly Random _random;

    /// <param name="signingName">SigV4 service name: <c>sns</c>, <c>securityhub</c>.</param>
    /// <param name="credentials">Null: AWSSDK.Core's default chain (environment, profile, container and instance role).</param>
    public AwsSignedHttpClient(
        HttpClient http,
        Uri endpoint,
        string signingName,
        string region,
        Func<CancellationToken, Task<AWSCredentials>>? credentials = null,
        AwsRetryPolicy? retry = null,
        TimeProvider? time = null,
        Random? random = null)
    {
        _http = http;
        _endpoint = endpoint;
        _signingName = signingName;
        _region = RegionEndpoint.GetBySystemName(region);
        _credentials = credentials ?? DefaultCredentials;
        _retry = retry ?? new AwsRetryPolicy();
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared;
    }

    public Uri Endpoint => _endpoint;

    public async Task<AwsHttpResponse> SendAsync(AwsHttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var attempt = 1; ; attempt++)
        {
            AwsOperationException failure;
            TimeSpan? retryAfter = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_retry.AttemptTimeout);
                using var message = await SignedMessageAsync(request, timeout.Token);
                using var response = await _http.SendAsync(message, timeout.Token);
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return new AwsHttpResponse(response.StatusCode, body);
                }

                var (code, text) = ParseError(response, body);
                failure = new AwsOperationException(request.Operation, code, $"HTTP {(int)response.StatusCode}: {text}");
                retryAfter = AwsRetryPolicy.RetryAfter(response, _time.GetUtcNow());
                if (!AwsRetryPolicy.IsRetryable((int)response.StatusCode, code))
                {
                    throw failure;
                }
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new AwsOperationException(request.Operation, "Timeout", $"no answer within {_retry.AttemptTimeout.TotalSeconds:0.#} s", e);
            }
            catch (HttpRequestException e)
            {
                failure = new AwsOperationException(request.Operation, "NetworkError", e.Message, e);
            }

            if (attempt >= _retry.MaxAttempts)
            {
                throw new AwsOperationException(request.Operation, failure.ErrorCode, $"{StripPrefix(failure)} (after {attempt} attempts)", failure);
            }

            await Task.Delay(_retry.DelayBefore(attempt, _random, retryAfter), _time, cancellationToken);
        }
    }

    private async Task<HttpRequestMessage> SignedMessageAsync(AwsHttpRequest request, CancellationToken cancellationToken)
    {
        var uri = new Uri(_endpoint, request.PathAndQuery.TrimStart('/'));
        var signing = new AWSSigningRequest { HttpMethod = request.Method, RequestUri = uri, Content = request.Body };
        signing.Headers["Content-Type"] = request.ContentType;
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            signing.Headers[name] = value;
        }

        // Signed per attempt: the signature covers the time, and a retry may come minutes later.
        var signed = await AWSSigV4Signer.SignAsync(signing, new AWSSigV4Parameters
        {
            Credentials = await _credentials(cancellationToken),
            Region = _region,
            Service = _signingName,
            SignPayload = true,
            SignedAt = _time.GetUtcNow().UtcDateTime,
        }, cancellationToken);

        var message = new HttpRequestMessage(request.Method, uri) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        foreach (var (name, value) in signing.Headers.Concat(signed.Headers))
        {
            if (!name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && !name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    /// <summary>The AWS error code and message, from a query-protocol XML body, a JSON body or the x-amzn-ErrorType header.</summary>
    internal static (string Code, string Message) ParseError(HttpResponseMessage response, byte[] body)
    {
        string? code = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.First().Split(':')[0] : null;
        string? message = null;
        try
        {
            if (body.Length > 0 && body[0] == (byte)'<')
            {
                var xml = new XmlDocument { XmlResolver = null };
                using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
                xml.Load(reader);
                code ??= xml.SelectSingleNode("//*[local-name()='Error']/*[local-name()='Code']")?.InnerText;
                message = xml.SelectSingleNode("//*[local-name()='Error']/*[local-name()='Message']")?.InnerText;
            }
            else if (body.Length > 0 && body[0] == (byte)'{')
            {
                using var json = JsonDocument.Parse(body);
                var root = json.RootElement;
                code ??= (root.TryGetProperty("__type", out var type) ? type.GetString()
                    : root.TryGetProperty("code", out var c) ? c.GetString()
                    : root.TryGetProperty("Code", out var c2) ? c2.GetString() : null)?.Split('#')[^1];
                message = root.TryGetProperty("message", out var m) ? m.GetString()
                    : root.TryGetProperty("Message", out var m2) ? m2.GetString() : null;
            }
        }
        catch (Exception e) when (e is XmlException or JsonException)
        {
            // Not a well-formed AWS error body (a proxy's page, say): fall back to the status.
        }

        return (code ?? $"Http{(int)response.StatusCode}", message ?? response.ReasonPhrase ?? "no message");
    }

    private static string StripPrefix(AwsOperationException e) =>
        e.Message.StartsWith($"{e.Operation}: {e.ErrorCode}: ", StringComparison.Ordinal) ? e.Message[$"{e.Operation}: {e.ErrorCode}: ".Length..] : e.Message;

    private static Task<AWSCredentials> DefaultCredentials(CancellationToken cancellationToken) =>
        DefaultResolver.Value.ResolveIdentityAsync(null!, cancellationToken);

    private static readonly Lazy<DefaultAWSCredentialsIdentityResolver> DefaultResolver = new(() => new DefaultAWSCredentialsIdentityResolver());
}
