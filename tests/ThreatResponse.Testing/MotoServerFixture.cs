using Amazon.EC2;
using Amazon.Runtime;
using ThreatResponse.LocalAws;
using Xunit;

namespace ThreatResponse.Testing;

/// <summary>
/// Runs one <c>moto_server</c> (the CLI's <see cref="LocalEmulator"/>) on a free loopback port for a test collection
/// and hands out AWS SDK clients pointed at it. Tests call <see cref="ResetAsync"/> (or derive from <see cref="MotoTest"/>)
/// so each starts from an empty AWS. The process is killed on dispose, and on process exit if the test host dies first.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    /// <summary>The account moto answers as for the dummy credentials.</summary>
    public const string DefaultAccount = "123456789012";

    public const string DefaultRegion = "us-east-1";

    private readonly string? _executable;
    private readonly PythonToolsOptions? _tools;
    private LocalEmulator? _emulator;

    public MotoServerFixture()
    {
    }

    private MotoServerFixture(string? executable, PythonToolsOptions? tools)
    {
        _executable = executable;
        _tools = tools;
    }

    /// <summary>A fixture that starts <paramref name="executable"/> instead (xunit allows fixtures one public constructor).</summary>
    public static MotoServerFixture WithExecutable(string executable) => new(executable, null);

    /// <summary>A fixture that finds moto_server with <paramref name="tools"/> instead of the process's environment.</summary>
    public static MotoServerFixture WithTools(PythonToolsOptions tools) => new(null, tools);

    /// <summary>The emulator's base URL, e.g. http://127.0.0.1:50123.</summary>
    public Uri Endpoint => _emulator?.Endpoint ?? throw new InvalidOperationException("the emulator is not started");

    /// <summary>Dummy credentials; moto accepts any.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("testing", "testing");

    public async Task InitializeAsync() => _emulator = await LocalEmulator.StartAsync(
        _executable ?? (_tools is null ? await TestTools.GetAsync() : await PythonTools.ResolveAsync(PythonToolNeeds.MotoServer, _tools, Console.Error)).MotoServer);

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
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
    public Task ResetAsync() => _emulator!.ResetAsync();

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
}
