using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>
/// A local stand-in for Security Hub, which moto does not implement for <c>BatchUpdateFindings</c>. Every request is
/// checked against the official API model from the installed botocore — HTTP method and path, SigV4 headers and
/// payload hash, required members, types, enums, lengths — and answered like the service: applied findings listed as
/// processed, chosen ones as unprocessed, or an AWS error. What was applied is kept per finding for assertions.
/// </summary>
public sealed class SecurityHubModelEndpoint : LoopbackHttpServer
{
    private static readonly Lazy<BotocoreModel> Model = new(() => BotocoreModel.Load("securityhub"));
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentQueue<JsonElement> _requests = new();
    private readonly ConcurrentDictionary<string, AppliedUpdate> _findings = new();
    private readonly ConcurrentDictionary<string, (string Code, int Remaining)> _unprocessed = new();
    private readonly ConcurrentQueue<(int Status, string Code)> _failures = new();

    /// <summary>Model violations seen so far; a test that sent only valid requests expects none.</summary>
    public IReadOnlyList<string> Violations => [.. _violations];

    /// <summary>Every request body accepted, in order.</summary>
    public IReadOnlyList<JsonElement> Requests => [.. _requests];

    /// <summary>The update applied to a finding by id, or null.</summary>
    public AppliedUpdate? Finding(string id) => _findings.TryGetValue(id, out var update) ? update : null;

    /// <summary>Answers the next <paramref name="times"/> updates of the finding as unprocessed with <paramref name="errorCode"/>.</summary>
    public void LeaveUnprocessed(string findingId, string errorCode, int times = int.MaxValue) => _unprocessed[findingId] = (errorCode, times);

    /// <summary>Fails the next request with an HTTP error and AWS error code (e.g. 429 TooManyRequestsException).</summary>
    public void FailNext(int status, string errorCode) => _failures.Enqueue((status, errorCode));

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.InputStream.CopyToAsync(buffer);
        var body = buffer.ToArray();

        var (method, path) = Model.Value.HttpOf("BatchUpdateFindings");
        if (request.HttpMethod != method || request.Url?.AbsolutePath != path)
        {
            await RespondAsync(context, 404, Error("ResourceNotFoundException", $"this stand-in serves {method} {path}, not {request.HttpMethod} {request.Url?.AbsolutePath}"));
            _violations.Enqueue($"unexpected {request.HttpMethod} {request.Url?.AbsolutePath}");
            return;
        }

        var problems = CheckSigning(request, body);
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(body);
            problems.AddRange(Model.Value.Validate("BatchUpdateFindings", document.RootElement));
        }
        catch (JsonException e)
        {
            problems.Add($"body is not JSON: {e.Message}");
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                _violations.Enqueue(problem);
            }

            await RespondAsync(context, 400, Error("InvalidInputException", string.Join("; ", problems)));
            return;
        }

        if (_failures.TryDequeue(out var failure))
        {
            await RespondAsync(context, failure.Status, Error(failure.Code, "injected by the test"));
            return;
        }

        var root = document!.RootElement.Clone();
        _requests.Enqueue(root);
        var processed = new List<object>();
        var unprocessed = new List<object>();
        foreach (var identifier in root.GetProperty("FindingIdentifiers").EnumerateArray())
        {
            var id = identifier.GetProperty("Id").GetString()!;
            var productArn = identifier.GetProperty("ProductArn").GetString()!;
            if (_unprocessed.TryGetValue(id, out var leave) && leave.Remaining > 0)
            {
                _unprocessed[id] = (leave.Code, leave.Remaining - 1);
                unprocessed.Add(new { FindingIdentifier = new { Id = id, ProductArn = productArn }, ErrorCode = leave.Code, ErrorMessage = "left unprocessed by the test" });
                continue;
            }

            _findings[id] = new AppliedUpdate(
                productArn,
                root.TryGetProperty("Note", out var note) ? note.GetProperty("Text").GetString() : null,
                root.TryGetProperty("Note", out var by) ? by.GetProperty("UpdatedBy").GetString() : null,
                root.TryGetProperty("Workflow", out var workflow) ? workflow.GetProperty("Status").GetString() : null,
                root.TryGetProperty("UserDefinedFields", out var fields) ? fields.EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString()!) : [])
            {
                Region = SigningRegionOf(request.Headers["Authorization"]),
            };
            processed.Add(new { Id = id, ProductArn = productArn });
        }

        await RespondAsync(context, 200, JsonSerializer.Serialize(new { ProcessedFindings = processed, UnprocessedFindings = unprocessed }));
    }

    private static List<string> CheckSigning(HttpListenerRequest request, byte[] body)
    {
        var problems = new List<string>();
        var authorization = request.Headers["Authorization"] ?? string.Empty;
        if (!authorization.StartsWith("AWS4-HMAC-SHA256 Credential=", StringComparison.Ordinal) || !authorization.Contains("/securityhub/aws4_request", StringComparison.Ordinal))
        {
            problems.Add($"Authorization is not SigV4 for securityhub: '{authorization}'");
        }

        if (string.IsNullOrEmpty(request.Headers["X-Amz-Date"]))
        {
            problems.Add("X-Amz-Date is missing");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (request.Headers["X-Amz-Content-SHA256"] is { } declared && declared != hash)
        {
            problems.Add("X-Amz-Content-SHA256 does not match the body");
        }

        return problems;
    }

    /// <summary>The Region of a SigV4 credential scope (<c>Credential=KEY/DATE/REGION/securityhub/aws4_request</c>): where the call was made.</summary>
    private static string? SigningRegionOf(string? authorization)
    {
        const string Marker = "Credential=";
        var start = authorization?.IndexOf(Marker, StringComparison.Ordinal) ?? -1;
        var scope = start < 0 ? [] : authorization![(start + Marker.Length)..].Split(',')[0].Split('/');
        return scope.Length == 5 ? scope[2] : null;
    }

    private static string Error(string code, string message) => JsonSerializer.Serialize(new { __type = code, message });

    private static async Task RespondAsync(HttpListenerContext context, int status, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}

/// <summary>What the stand-in applied to one finding.</summary>
public sealed record AppliedUpdate(string ProductArn, string? Note, string? UpdatedBy, string? WorkflowStatus, IReadOnlyDictionary<string, string> UserDefinedFields)
{
    /// <summary>The Region the call was signed for: the Security Hub Region it was sent to.</summary>
    public string? Region { get; init; }
}
