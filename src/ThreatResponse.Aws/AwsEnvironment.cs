using ThreatResponse.Core.Settings;

namespace ThreatResponse.Aws;

/// <summary>
/// Endpoint and Region settings read the way the AWS SDKs read them: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> wins over
/// <c>AWS_ENDPOINT_URL</c>; the Region comes from <c>AWS_REGION</c>, then <c>AWS_DEFAULT_REGION</c>. Reading them here
/// (and not only inside the SDK) keeps the settings injectable, and makes our own signed clients follow the same rules.
/// ThreatResponse's own variables are read once, validated, into <see cref="Settings"/>.
/// </summary>
public sealed class AwsEnvironment
{
    private readonly Func<string, string?> _variables;
    private readonly Lazy<DeploymentSettings> _settings;

    public AwsEnvironment(Func<string, string?> variables)
        : this(variables, null)
    {
    }

    private AwsEnvironment(Func<string, string?> variables, DeploymentSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(variables);
        _variables = variables;
        _settings = settings is null ? new(() => DeploymentSettings.Read(name => this[name])) : new(settings);
    }

    public static AwsEnvironment Process { get; } = new(Environment.GetEnvironmentVariable);

    /// <summary>
    /// The deployment's settings, read and validated on first use (a function's runtime and each CLI command ask at
    /// start, so a value not allowed stops them before anything is done).
    /// </summary>
    /// <exception cref="InvalidSettingsException">Variables set to values not allowed, all named.</exception>
    public DeploymentSettings Settings => _settings.Value;

    /// <summary>This environment with settings already read (a function's, read with its own).</summary>
    public AwsEnvironment WithSettings(DeploymentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new AwsEnvironment(_variables, settings);
    }

    public string? this[string name] => _variables(name) is { Length: > 0 } value ? value : null;

    /// <summary>The endpoint override for a service, by its SDK environment id (<c>EC2</c>, <c>DYNAMODB</c>, <c>SNS</c>, <c>SECURITYHUB</c>, <c>STS</c>).</summary>
    public string? EndpointFor(string serviceId) => this[$"AWS_ENDPOINT_URL_{serviceId}"] ?? this["AWS_ENDPOINT_URL"];

    public string? Region => this["AWS_REGION"] ?? this["AWS_DEFAULT_REGION"];

    /// <summary>
    /// How long one AWS request attempt may take before it is retried: <c>THREATRESPONSE_AWS_TIMEOUT_SECONDS</c>, default
    /// 10 s — well inside the functions' 120 s, so a hung connection costs a retry, not the invocation.
    /// </summary>
    public TimeSpan AttemptTimeout => Settings.AwsAttemptTimeout;
}
