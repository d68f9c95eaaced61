using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Text;
using Amazon.EC2;
using Amazon.Runtime;
using Xunit;

namespace ThreatResponse.Testing;

/// <summary>
/// Runs one <c>moto_server</c> on a free loopback port for a test collection and hands out AWS SDK clients pointed at it.
/// Tests call <see cref="ResetAsync"/> (or derive from <see cref="MotoTest"/>) so each starts from an empty AWS.
/// The process is killed on dispose, and on process exit if the test host dies first.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    /// <summary>The account moto answers as for the dummy credentials.</summary>
    public const string DefaultAccount = "123456789012";

    public const string DefaultRegion = "us-east-1";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly StringBuilder _output = new();
    private readonly string _executable;
    private Process? _process;

    /// <summary>Uses <c>moto_server</c> from PATH, or the command named by <c>MOTO_SERVER_COMMAND</c>.</summary>
    public MotoServerFixture()
        : this(Environment.GetEnvironmentVariable("MOTO_SERVER_COMMAND") is { Length: > 0 } command ? command : "moto_server")
    {
    }

    private MotoServerFixture(string executable) => _executable = executable;

    /// <summary>A fixture that starts <paramref name="executable"/> instead (xunit allows fixtures one public constructor).</summary>
    public static MotoServerFixture WithExecutable(string executable) => new(executable);

    /// <summary>The emulator's base URL, e.g. http://127.0.0.1:50123.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Dummy credentials; moto accepts any.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("testing", "testing");

    public async Task InitializeAsync()
    {
        // A port found free can be taken before moto binds it; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackHttpServer.FreePort();
            Endpoint = new Uri($"http://127.0.0.1:{port}");
            _process = Start(port);
            if (await WaitUntilReadyAsync(_process, TimeSpan.FromSeconds(30)))
            {
                return;
            }

            Kill();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"moto_server did not start on {Endpoint}. Its output:\n{Output}");
            }
        }
    }

    public Task DisposeAsync()
    {
        Kill();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Gives this test process dummy AWS credentials in its environment, for code that resolves credentials like the SDK
    /// does (the CLI, the functions), so no real profile is ever used against the emulator. Call from a module initializer.
    /// </summary>
    public static void UseDummyCredentialsInProcess()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
        Environment.SetEnvironmentVariable("AWS_PROFILE", null);
    }

    /// <summary>Forgets every resource in the emulator (<c>POST /moto-api/reset</c>).</summary>
    public async Task ResetAsync()
    {
        using var response = await Http.PostAsync(new Uri(Endpoint, "/moto-api/reset"), content: null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>An EC2 client for <paramref name="region"/>, signed with <paramref name="credentials"/> (default: the dummy ones).</summary>
    public AmazonEC2Client CreateEc2Client(string region = DefaultRegion, AWSCredentials? credentials = null, HttpClientFactory? http = null)
    {
        var config = Configure(new AmazonEC2Config(), region);
        if (http is not null)
        {
            config.HttpClientFactory = http;
        }

        return new(credentials ?? Credentials, config);
    }

    /// <summary>Points any SDK client config at the emulator, like <c>AWS_ENDPOINT_URL</c> would.</summary>
    public TConfig Configure<TConfig>(TConfig config, string region = DefaultRegion)
        where TConfig : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.ServiceURL = Endpoint.ToString();
        config.AuthenticationRegion = region;
        config.MaxErrorRetry = 0;
        return config;
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

    private Process Start(int port)
    {
        var startInfo = new ProcessStartInfo(_executable)
        {
            ArgumentList = { "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException("moto_server did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{_executable} was not found on PATH. The AWS adapter tests run against moto_server: install it with  pip install \"moto[server]\"", e);
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillQuietly(process);
        return process;
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

    private async Task<bool> WaitUntilReadyAsync(Process process, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await Http.GetAsync(new Uri(Endpoint, "/moto-api/data.json"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        return false;
    }

    private void Kill()
    {
        if (_process is { } process)
        {
            KillQuietly(process);
            process.Dispose();
            _process = null;
        }
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
