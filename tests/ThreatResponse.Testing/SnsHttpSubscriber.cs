using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>
/// An HTTP(S) subscriber of an SNS topic on loopback: it answers 200 and keeps every notification it receives, by the
/// path it was subscribed with. Plain HTTP even for the <c>https</c> protocol: moto chooses the body by the
/// subscription's protocol, not by the URL's scheme, and would otherwise check a certificate against its own trust store.
/// </summary>
public sealed class SnsHttpSubscriber : LoopbackHttpServer
{
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _received = new(StringComparer.Ordinal);

    /// <summary>The URL to subscribe for <paramref name="path"/> (one per subscription, to tell them apart).</summary>
    public Uri For(string path) => new(Endpoint, path);

    /// <summary>The next notification delivered to <paramref name="path"/> (SNS's JSON envelope), waiting up to <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> NextAsync(string path, TimeSpan timeout)
    {
        using var waiting = new CancellationTokenSource(timeout);
        try
        {
            return await Queue(path).Reader.ReadAsync(waiting.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nothing delivered to /{path} within {timeout}");
        }
    }


    protected override async Task HandleAsync(HttpListenerContext context)
    {
        using var document = await JsonDocument.ParseAsync(context.Request.InputStream);
        await Queue(context.Request.Url!.AbsolutePath.TrimStart('/')).Writer.WriteAsync(document.RootElement.Clone());
        context.Response.StatusCode = 200;
        context.Response.Close();
    }

    private Channel<JsonElement> Queue(string path) => _received.GetOrAdd(path, _ => Channel.CreateUnbounded<JsonElement>());
}
