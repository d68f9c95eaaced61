namespace ThreatResponse.Aws;

/// <summary>
/// Endpoint and Region settings read the way the AWS SDKs read them: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> wins over
/// <c>AWS_ENDPOINT_URL</c>; the Region comes from <c>AWS_REGION</c>, then <c>AWS_DEFAULT_REGION</c>. Reading them here
/// (and not only inside the SDK) keeps the settings injectable, and makes our own signed clients follow the same rules.
/// </summary>
public sealed class AwsEnvironment(Func<string, string?> variables)
{
    public static AwsEnvironment Process { get; } = new(Environment.GetEnvironmentVariable);

    public string? this[string name] => variables(name) is { Length: > 0 } value ? value : null;

    /// <summary>The endpoint override for a service, by its SDK environment id (<c>EC2</c>, <c>DYNAMODB</c>, <c>SNS</c>, <c>SECURITYHUB</c>, <c>STS</c>).</summary>
    public string? EndpointFor(string serviceId) => this[$"AWS_ENDPOINT_URL_{serviceId}"] ?? this["AWS_ENDPOINT_URL"];

    public string? Region => this["AWS_REGION"] ?? this["AWS_DEFAULT_REGION"];

    /// <summary>
    /// How long one AWS request attempt may take before it is retried: <c>THREATRESPONSE_AWS_TIMEOUT_SECONDS</c>, default
    /// 10 s — well inside the functions' 120 s, so a hung connection costs a retry, not the invocation.
    /// </summary>
    public TimeSpan AttemptTimeout =>
        double.TryParse(this["THREATRESPONSE_AWS_TIMEOUT_SECONDS"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(10);
}
