using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

using ThreatResponse.Cli.Emulator;

namespace ThreatResponse.Testing;

/// <summary>An AWS call as seen on the wire: the SigV4 service name, the operation and the request body.</summary>
public sealed record ObservedCall(string Service, string Operation, string Body);

/// <summary>
/// A loopback HTTP proxy in front of an endpoint (moto_server, the Security Hub stand-in) that records which AWS
/// operations pass through it. Code under test is pointed at it with <c>AWS_ENDPOINT_URL</c>, exactly as at an
/// emulator, so what its clients really sent can be compared with, say, the IAM actions a role allows.
/// </summary>
public sealed partial class RecordingProxy(Uri target) : LoopbackHttpServer
{
    private static readonly HttpClient Forwarder = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly ConcurrentQueue<ObservedCall> _calls = new();

    private readonly ConcurrentQueue<(Func<string, bool> Matches, int Status, string Body)> _faults = new();

    public IReadOnlyList<ObservedCall> Calls => [.. _calls];

    /// <summary>Answers every request whose body matches with <paramref name="status"/> and <paramref name="body"/> instead of forwarding it.</summary>
    public void FailWhen(Func<string, bool> bodyMatches, int status, string body) => _faults.Enqueue((bodyMatches, status, body));

    /// <summary>A query-protocol AWS error body (STS, IAM, SNS).</summary>
    public static string QueryError(string code, string message) =>
        $"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>test</RequestId></ErrorResponse>";

    public void Clear() => _calls.Clear();

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.InputStream.CopyToAsync(buffer);
        var body = buffer.ToArray();
        _calls.Enqueue(Observe(request, body));
        var text = Encoding.UTF8.GetString(body);
        if (_faults.FirstOrDefault(f => f.Matches(text)) is { Body: not null } fault)
        {
            var error = Encoding.UTF8.GetBytes(fault.Body);
            context.Response.StatusCode = fault.Status;
            context.Response.ContentType = "text/xml";
            context.Response.ContentLength64 = error.Length;
            await context.Response.OutputStream.WriteAsync(error);
            context.Response.Close();
            return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(target, request.RawUrl)) { Content = new ByteArrayContent(body) };
        foreach (var name in request.Headers.AllKeys.OfType<string>())
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                forward.Content.Headers.TryAddWithoutValidation(name, request.Headers[name]);
            }
            else if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                forward.Headers.TryAddWithoutValidation(name, request.Headers[name]);
            }
        }

        using var response = await Forwarder.SendAsync(forward);
        var answer = await response.Content.ReadAsByteArrayAsync();
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[header.Key] = string.Join(",", header.Value);
            }
        }

        context.Response.ContentLength64 = answer.Length;
        await context.Response.OutputStream.WriteAsync(answer);
        context.Response.Close();
    }

    private static ObservedCall Observe(HttpListenerRequest request, byte[] body)
    {
        var service = ServiceOf().Match(request.Headers["Authorization"] ?? string.Empty) is { Success: true } m ? m.Groups[1].Value : "?";
        string operation;
        if (request.Headers["X-Amz-Target"] is { } target)
        {
            operation = target[(target.LastIndexOf('.') + 1)..];
        }
        else if (Encoding.UTF8.GetString(body).Split('&').FirstOrDefault(p => p.StartsWith("Action=", StringComparison.Ordinal)) is { } action)
        {
            operation = Uri.UnescapeDataString(action["Action=".Length..]);
        }
        else
        {
            operation = $"{request.HttpMethod} {request.Url?.AbsolutePath}";
        }

        return new ObservedCall(service, operation, Encoding.UTF8.GetString(body));
    }

    [GeneratedRegex(@"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")]
    private static partial Regex ServiceOf();
}
