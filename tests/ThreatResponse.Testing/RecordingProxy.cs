using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

using ThreatResponse.LocalAws;

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

    private readonly List<Injected> _faults = [];
    private ThreatResponse.Aws.Ec2.Ec2RequestPacer? _throttle;
    private SharedEc2Buckets? _shared;
    private TimeSpan? _retryAfter;
    private int _throttled;
    private readonly ConcurrentQueue<long> _throttledAt = new();

    public IReadOnlyList<ObservedCall> Calls => [.. _calls];

    /// <summary>Every request with when it started and when its answer left the proxy: sequential round trips are counted on it.</summary>
    public AwsRequestLog Timeline { get; } = new();

    /// <summary>
    /// Services whose conditional writes (a <c>ConditionExpression</c> in the body) reach the target one at a time.
    /// DynamoDB applies each conditional write atomically (of two concurrent claims on one item, one fails); moto_server
    /// checks and writes without a lock, so two can pass.
    /// </summary>
    public ISet<string> OneAtATime { get; } = new HashSet<string>(StringComparer.Ordinal);

    private readonly SemaphoreSlim _oneAtATime = new(1);

    /// <summary>How long each forwarded request is held before it is forwarded, as a distant Region would (default none).</summary>
    public TimeSpan HeldPerRequest { get; set; }

    /// <summary>Answers every request whose body matches with <paramref name="status"/> and <paramref name="body"/> instead of forwarding it.</summary>
    public void FailWhen(Func<string, bool> bodyMatches, int status, string body) => Inject(c => bodyMatches(c.Body), new ProxyFault.AwsError(status, body));

    /// <summary>
    /// Answers EC2 calls beyond EC2's request buckets (the product's own bucket table, refill × <paramref name="scale"/>)
    /// with <c>RequestLimitExceeded</c>, as EC2 would. Counts them in <see cref="Throttled"/>.
    /// </summary>
    public void EmulateEc2Throttling(double scale) => _throttle = new ThreatResponse.Aws.Ec2.Ec2RequestPacer(TimeProvider.System, scale);

    /// <summary>
    /// Answers EC2 calls beyond <paramref name="buckets"/> — one bucket for every mutating action, as if others shared
    /// EC2's — with <c>RequestLimitExceeded</c>, with a <c>Retry-After</c> when <paramref name="retryAfter"/> is given.
    /// Counts them in <see cref="Throttled"/> and <see cref="ThrottledAt"/>.
    /// </summary>
    public void EmulateSharedEc2Buckets(SharedEc2Buckets buckets, TimeSpan? retryAfter = null) => (_shared, _retryAfter) = (buckets, retryAfter);

    /// <summary>How many calls the EC2 throttling emulation refused.</summary>
    public int Throttled => _throttled;

    /// <summary>When each refusal of the EC2 throttling emulation happened (<see cref="AwsRequestLog.Now"/> ticks), in order.</summary>
    public IReadOnlyList<long> ThrottledAt => [.. _throttledAt];

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> calls that match.</summary>
    public void Inject(Func<ObservedCall, bool> matches, ProxyFault fault, int times = int.MaxValue)
    {
        lock (_faults)
        {
            _faults.Add(new Injected(matches, fault, times));
        }
    }

    /// <summary>An EC2 (query protocol) error body.</summary>
    public static string Ec2Error(string code, string message = "injected by the test") =>
        $"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>test</RequestID></Response>";

    /// <summary>A JSON-protocol error body (Security Hub, DynamoDB).</summary>
    public static string JsonError(string code, string message = "injected by the test") => $"{{\"__type\":\"{code}\",\"message\":\"{message}\"}}";
    /// <summary>A query-protocol AWS error body (STS, IAM, SNS).</summary>
    public static string QueryError(string code, string message) =>
        $"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>test</RequestId></ErrorResponse>";

    public void Clear()
    {
        _calls.Clear();
        Timeline.Clear();
        _throttledAt.Clear();
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.InputStream.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var call = Observe(request, body);
        _calls.Enqueue(call);
        var started = AwsRequestLog.Now();
        var fault = TakeFault(call);
        if (fault is ProxyFault.Respond respond)
        {
            var (status, text) = await respond.Answer(call);
            fault = new ProxyFault.AwsError(status, text);
        }

        switch (fault)
        {
            case ProxyFault.AwsError error:
                var bytes = Encoding.UTF8.GetBytes(error.Body);
                context.Response.StatusCode = error.Status;
                if (error.RetryAfter is { } after)
                {
                    context.Response.Headers["Retry-After"] = ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                context.Response.ContentType = error.Body.StartsWith('{') ? "application/x-amz-json-1.1" : "text/xml";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
                return;
            case ProxyFault.Drop:
                context.Response.Abort();
                return;
            case ProxyFault.Kill kill:
                kill.Killer();
                context.Response.Abort();
                return;
            case ProxyFault.Delay delay:
                await Task.Delay(delay.Duration);
                break;
        }

        if (HeldPerRequest > TimeSpan.Zero)
        {
            await Task.Delay(HeldPerRequest);
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

        var serialized = OneAtATime.Contains(call.Service) && call.Body.Contains("\"ConditionExpression\"", StringComparison.Ordinal);
        if (serialized)
        {
            await _oneAtATime.WaitAsync();
        }

        HttpResponseMessage response;
        byte[] answer;
        try
        {
            response = await Forwarder.SendAsync(forward);
            answer = await response.Content.ReadAsByteArrayAsync();
        }
        finally
        {
            if (serialized)
            {
                _oneAtATime.Release();
            }
        }

        using var disposeResponse = response;
        if (fault is ProxyFault.LoseAnswer)
        {
            context.Response.Abort();
            return;
        }

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
        Timeline.Add(new RecordedRequest($"{call.Service}:{call.Operation}", call.Body, started, AwsRequestLog.Now(), (int)response.StatusCode));
    }

    private ProxyFault? TakeFault(ObservedCall call)
    {
        if (call.Service == "ec2"
            && ((_throttle is { } throttle && !throttle.TryTake(new ThreatResponse.Core.Containment.AwsScope("any", "any"), call.Operation))
                || (_shared is { } shared && !shared.TryTake(call.Operation))))
        {
            Interlocked.Increment(ref _throttled);
            _throttledAt.Enqueue(AwsRequestLog.Now());
            return new ProxyFault.AwsError(503, Ec2Error("RequestLimitExceeded", "Request limit exceeded."), _retryAfter);
        }

        lock (_faults)
        {
            var injected = _faults.Find(f => f.Remaining > 0 && f.Matches(call));
            if (injected is null)
            {
                return null;
            }

            injected.Remaining--;
            return injected.Fault;
        }
    }

    private sealed class Injected(Func<ObservedCall, bool> matches, ProxyFault fault, int times)
    {
        public Func<ObservedCall, bool> Matches { get; } = matches;

        public ProxyFault Fault { get; } = fault;

        public int Remaining { get; set; } = times;
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

/// <summary>What the proxy does to a request instead of (or before) forwarding it.</summary>
public abstract record ProxyFault
{
    /// <summary>Answers with an AWS error, and a <c>Retry-After</c> header when <paramref name="RetryAfter"/> is given.</summary>
    public sealed record AwsError(int Status, string Body, TimeSpan? RetryAfter = null) : ProxyFault;

    /// <summary>Closes the connection without an answer.</summary>
    public sealed record Drop : ProxyFault;

    /// <summary>Runs <paramref name="Killer"/> (which kills the caller's process) and never forwards the request.</summary>
    public sealed record Kill(Action Killer) : ProxyFault;

    /// <summary>
    /// Answers with what <paramref name="Answer"/> computes from the request: an operation moto_server does not model,
    /// played by the test (its request checked against botocore's model by the test).
    /// </summary>
    public sealed record Respond(Func<ObservedCall, Task<(int Status, string Body)>> Answer) : ProxyFault;

    /// <summary>Forwards the request, then closes the connection without its answer: done, yet the caller cannot know.</summary>
    public sealed record LoseAnswer : ProxyFault;

    /// <summary>Holds the request this long, then forwards it (a timeout when longer than the client waits).</summary>
    public sealed record Delay(TimeSpan Duration) : ProxyFault;
}
