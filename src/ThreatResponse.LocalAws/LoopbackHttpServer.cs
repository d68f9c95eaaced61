using System.Net;
using System.Net.Sockets;

namespace ThreatResponse.LocalAws;

/// <summary>An HTTP server on a free loopback port, for local stand-ins (the demo's Security Hub, the tests'); subclasses answer each request.</summary>
public abstract class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    protected LoopbackHttpServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            Endpoint = new Uri($"http://127.0.0.1:{FreePort()}/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(Endpoint.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 3)
            {
                // Taken between the probe and the bind: try another port.
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; private set; }

    /// <summary>A port free at the moment of asking (another process may still take it before it is bound).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was stopped under the loop.
        }

        GC.SuppressFinalize(this);
    }

    protected abstract Task HandleAsync(HttpListenerContext context);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await HandleAsync(context);
                }
                catch (Exception e) when (e is IOException or HttpListenerException or HttpRequestException)
                {
                    context.Response.Abort();
                }
            });
        }
    }
}
