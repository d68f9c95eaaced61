using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace ThreatResponse.LocalAws;

/// <summary>
/// A <c>moto_server</c> on a free loopback port: the local AWS the demo (and the tests) run against. Killed on
/// dispose, and on process exit if its owner dies first.
/// </summary>
public sealed class LocalEmulator : IAsyncDisposable
{
    public const string InstallHint = "install it with  pip install \"moto[server]\"";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly StringBuilder _output = new();
    private Process? _process;

    private LocalEmulator(Uri endpoint) => Endpoint = endpoint;

    /// <summary>The emulator's base URL, e.g. http://127.0.0.1:50123.</summary>
    public Uri Endpoint { get; }

    /// <summary>
    /// Starts <paramref name="executable"/>, or the <c>moto_server</c> <see cref="PythonTools"/> finds or provisions with
    /// <paramref name="tools"/> (default: the process's environment), and waits until it answers.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is not installed and cannot be, or did not start; the message says how to fix it.</exception>
    public static async Task<LocalEmulator> StartAsync(string? executable = null, PythonToolsOptions? tools = null, TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        executable ??= (await PythonTools.ResolveAsync(PythonToolNeeds.MotoServer, tools ?? PythonToolsOptions.FromProcess(), progress ?? Console.Error, cancellationToken)).MotoServer;

        // A port found free can be taken before moto binds it; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackHttpServer.FreePort();
            var emulator = new LocalEmulator(new Uri($"http://127.0.0.1:{port}"));
            emulator.Start(executable, port);
            if (await emulator.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), cancellationToken))
            {
                return emulator;
            }

            var output = emulator.Output;
            await emulator.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"{executable} did not start on {emulator.Endpoint}. Its output:\n{output}");
            }
        }
    }

    /// <summary>An emulator already running elsewhere (<c>--endpoint-url</c>); not stopped on dispose.</summary>
    public static LocalEmulator Existing(Uri endpoint) => new(endpoint);

    /// <summary>Forgets every resource (<c>POST /moto-api/reset</c>).</summary>
    public async Task ResetAsync()
    {
        using var response = await Http.PostAsync(new Uri(Endpoint, "/moto-api/reset"), content: null);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            KillQuietly(process);
            process.Dispose();
            _process = null;
        }

        return ValueTask.CompletedTask;
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Start(string executable, int port)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        try
        {
            _process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{executable} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{executable} was not found on PATH. The local AWS emulator is moto_server: {InstallHint}", e);
        }

        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillQuietly(process);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Keep the tail: moto logs every request.
            if (_output.Length > 64 * 1024)
            {
                _output.Remove(0, 32 * 1024);
            }

            _output.AppendLine(line);
        }
    }

    private async Task<bool> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process is null || _process.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await Http.GetAsync(new Uri(Endpoint, "/moto-api/data.json"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, cancellationToken);
        }

        return false;
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Already gone.
        }
    }
}
