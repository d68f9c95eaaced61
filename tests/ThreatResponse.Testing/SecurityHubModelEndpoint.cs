using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>
/// A local stand-in for Security Hub, which moto does not implement for <c>BatchUpdateFindings</c> and
/// <c>BatchUpdateFindingsV2</c> (V2 findings are kept by their <c>metadata.uid</c>). Every request is
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

        var operation = Served.FirstOrDefault(o => Model.Value.HttpOf(o) == (request.HttpMethod, request.Url?.AbsolutePath ?? ""));
        if (operation is null)
        {
            var served = string.Join(", ", Served.Select(o => Model.Value.HttpOf(o)).Select(h => $"{h.Method} {h.RequestUri}"));
            await RespondAsync(context, 404, Error("ResourceNotFoundException", $"this stand-in serves {served}, not {request.HttpMethod} {request.Url?.AbsolutePath}"));
            _violations.Enqueue($"unexpected {request.HttpMethod} {request.Url?.AbsolutePath}");
            return;
        }

        var problems = CheckSigning(request, body);
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(body);
            problems.AddRange(Model.Value.Validate(operation, document.RootElement));
            if (operation == "BatchUpdateFindingsV2")
            {
                problems.AddRange(CheckV2(document.RootElement));
            }
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
        if (operation == "BatchUpdateFindingsV2")
        {
            await ApplyV2Async(context, root, SigningRegionOf(request.Headers["Authorization"]));
            return;
        }

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

    private static readonly string[] Served = ["BatchUpdateFindings", "BatchUpdateFindingsV2"];

    /// <summary>
    /// What the model states only in its documentation: <c>MetadataUids</c> and <c>FindingIdentifiers</c> exclude each other,
    /// the comment is 1 to 512 characters, the ids are enums.
    /// </summary>
    private static IEnumerable<string> CheckV2(JsonElement body)
    {
        var byUid = body.TryGetProperty("MetadataUids", out var uids) && uids.GetArrayLength() > 0;
        var byIdentifier = body.TryGetProperty("FindingIdentifiers", out var identifiers) && identifiers.GetArrayLength() > 0;
        if (byUid == byIdentifier)
        {
            yield return "exactly one of MetadataUids and FindingIdentifiers must name the findings";
        }

        if (body.TryGetProperty("Comment", out var comment) && comment.GetString()!.Length is < 1 or > 512)
        {
            yield return $"Comment is {comment.GetString()!.Length} characters; 1 to 512 allowed";
        }

        if (body.TryGetProperty("StatusId", out var status) && status.GetInt32() is not (0 or 1 or 2 or 3 or 4 or 5 or 99))
        {
            yield return $"StatusId {status.GetInt32()} is not one of 0-5, 99";
        }

        if (body.TryGetProperty("SeverityId", out var severity) && severity.GetInt32() is not (0 or 1 or 2 or 3 or 4 or 5 or 6 or 99))
        {
            yield return $"SeverityId {severity.GetInt32()} is not one of 0-6, 99";
        }
    }

    private async Task ApplyV2Async(HttpListenerContext context, JsonElement root, string? region)
    {
        var processed = new List<object>();
        var unprocessed = new List<object>();
        foreach (var uid in root.GetProperty("MetadataUids").EnumerateArray().Select(u => u.GetString()!))
        {
            if (_unprocessed.TryGetValue(uid, out var leave) && leave.Remaining > 0)
            {
                _unprocessed[uid] = (leave.Code, leave.Remaining - 1);
                unprocessed.Add(new { MetadataUid = uid, ErrorCode = leave.Code, ErrorMessage = "left unprocessed by the test" });
                continue;
            }

            _findings[uid] = new AppliedUpdate(
                "productv2",
                root.TryGetProperty("Comment", out var comment) ? comment.GetString() : null,
                null,
                null,
                new Dictionary<string, string>())
            {
                Region = region,
                StatusId = root.TryGetProperty("StatusId", out var status) ? status.GetInt32() : null,
                Operation = "BatchUpdateFindingsV2",
            };
            processed.Add(new { MetadataUid = uid });
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

    /// <summary>The OCSF status id a <c>BatchUpdateFindingsV2</c> set; null otherwise.</summary>
    public int? StatusId { get; init; }

    /// <summary>Which API applied it.</summary>
    public string Operation { get; init; } = "BatchUpdateFindings";
}
