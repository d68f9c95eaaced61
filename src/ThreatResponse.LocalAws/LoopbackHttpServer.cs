using System.Net;
using System.Net.Sockets;

namespace ThreatResponse.LocalAws;

/// <summary>An HTTP server on a free loopback port, for local stand-ins (the demo's Security Hub, the tests'); subclasses answer each request.</summary>
public abstract class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;

    protected LoopbackHttpServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            Endpoint = new Uri($"http://127.0.0.1:{FreePort()}/");

            // A fresh listener per attempt: one whose start failed keeps the taken port among its prefixes, and closing it
            // later fails with "Address already in use" once another process holds that port.
            var listener = new HttpListener();
            listener.Prefixes.Add(Endpoint.ToString());
            try
            {
                listener.Start();
                _listener = listener;
                break;
            }
            catch (HttpListenerException) when (attempt < 3)
            {
                // Taken between the probe and the bind: try another port.
                Abandon(listener);
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
        Abandon(_listener);
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

    /// <summary>Stops and closes a listener; an error closing a port already given up is not the caller's concern.</summary>
    private static void Abandon(HttpListener listener)
    {
        try
        {
            listener.Stop();
            listener.Close();
        }
        catch (HttpListenerException)
        {
            // The port was released and taken by another process meanwhile: nothing of ours is left on it.
        }
        catch (ObjectDisposedException)
        {
        }
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
