using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ThreatResponse.LocalAws;

/// <summary>
/// The demo's stand-in for Security Hub, which moto does not implement for <c>BatchUpdateFindings</c> and
/// <c>BatchUpdateFindingsV2</c>: it records what the functions write on each finding and answers that every finding
/// was processed.
/// </summary>
public sealed class SecurityHubRecorder : LoopbackHttpServer
{
    private readonly ConcurrentQueue<JsonElement> _updates = new();

    /// <summary>Every BatchUpdateFindings request body, in order (V2 requests have <c>MetadataUids</c>).</summary>
    public IReadOnlyList<JsonElement> Updates => [.. _updates];

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(buffer);
        string answer;
        if (context.Request.HttpMethod == "PATCH" && context.Request.Url?.AbsolutePath == "/findings/batchupdate")
        {
            var request = JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
            _updates.Enqueue(request);
            var processed = string.Join(",", request.GetProperty("FindingIdentifiers").EnumerateArray().Select(f => f.GetRawText()));
            answer = $"{{\"ProcessedFindings\":[{processed}],\"UnprocessedFindings\":[]}}";
            context.Response.StatusCode = 200;
        }
        else if (context.Request.HttpMethod == "PATCH" && context.Request.Url?.AbsolutePath == "/findingsv2/batchupdatev2")
        {
            var request = JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
            _updates.Enqueue(request);
            var processed = string.Join(",", request.GetProperty("MetadataUids").EnumerateArray().Select(u => $"{{\"MetadataUid\":{u.GetRawText()}}}"));
            answer = $"{{\"ProcessedFindings\":[{processed}],\"UnprocessedFindings\":[]}}";
            context.Response.StatusCode = 200;
        }
        else
        {
            answer = """{"__type":"ResourceNotFoundException","message":"the demo's Security Hub only records BatchUpdateFindings and BatchUpdateFindingsV2"}""";
            context.Response.StatusCode = 404;
        }

        var bytes = Encoding.UTF8.GetBytes(answer);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}
