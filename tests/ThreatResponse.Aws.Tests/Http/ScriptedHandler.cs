using System.Net;

namespace ThreatResponse.Aws.Tests.Http;

/// <summary>An HTTP handler that answers from a script of responses (or throws), and keeps what it was sent.</summary>
internal sealed class ScriptedHandler(params Func<HttpRequestMessage, Task<HttpResponseMessage>>[] script) : HttpMessageHandler
{
    private int _next;

    public List<(HttpRequestMessage Request, byte[] Body)> Sent { get; } = [];

    public static Func<HttpRequestMessage, Task<HttpResponseMessage>> Respond(HttpStatusCode status, string body = "", string contentType = "text/xml") =>
        _ => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        Sent.Add((request, body));
        var step = script[Math.Min(_next++, script.Length - 1)];
        return await step(request).WaitAsync(cancellationToken);
    }
}
