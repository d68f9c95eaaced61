using ThreatResponse.Core.Containment;
using Amazon.Runtime;
using ThreatResponse.Aws;
using ThreatResponse.Aws.Http;
using ThreatResponse.Aws.Notifications;
using ThreatResponse.Aws.Playbooks;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Functions.Hosting;

/// <summary>
/// What a function needs, built once per execution environment from its environment variables: the AWS clients, the
/// containment engine, the notifier and finding updater, and the log. Statics hold this, never finding data.
/// </summary>
public sealed class FunctionRuntime : IDisposable
{
    private readonly AwsCompositionRoot _containment;
    private readonly SignedClientFactory _signed;
    private readonly IDisposable? _ssm;

    /// <param name="credentials">The function's own credentials; null: AWSSDK.Core's default chain (as in Lambda).</param>
    public FunctionRuntime(AwsEnvironment environment, TextWriter output, TimeProvider time, Func<CancellationToken, Task<AWSCredentials>>? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Environment = environment;
        Output = output;
        Time = time;
        var topicArn = Required("NOTIFICATION_TOPIC_ARN");
        var topicRegion = topicArn.Split(':') is { Length: >= 6 } parts && AwsNames.IsRegion(parts[3])
            ? parts[3]
            : throw new InvalidOperationException($"NOTIFICATION_TOPIC_ARN='{topicArn}' is not an SNS topic ARN");

        _containment = new AwsCompositionRoot(environment, time, credentials);
        _signed = new SignedClientFactory(environment, time: time) { Credentials = credentials };
        Events = new EventResponder(new FindingResponder(
            _containment.Engine,
            new ResponseOutlets(
                new SecurityHubFindingUpdater(_signed.SecurityHub, time),
                new SnsNotifier(_signed.Sns(topicRegion), topicArn),
                FindingUpdateOptions.FromEnvironment(n => environment[n])),
            time,
            _containment.Ledger)
        {
            ClaimWait = double.TryParse(environment["CLAIM_WAIT_SECONDS"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var wait) && wait is >= 0 and <= 60
                ? TimeSpan.FromSeconds(wait)
                : FindingResponder.DefaultClaimWait,
        });
        Playbooks = new PlaybookProvider(PlaybookSources.FromEnvironment(environment, _containment.Credentials, out _ssm), time);
    }

    public AwsEnvironment Environment { get; }

    /// <summary>
    /// The function's timeout: <c>FUNCTION_TIMEOUT_SECONDS</c>, which template.yaml sets from the parameter that sets
    /// the function's <c>Timeout</c>; default 120 s, the template's default.
    /// </summary>
    public TimeSpan Timeout => double.TryParse(Environment["FUNCTION_TIMEOUT_SECONDS"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
        ? TimeSpan.FromSeconds(seconds)
        : DefaultTimeout;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The deadline of an invocation starting now: EC2 calls stop a margin before <see cref="Timeout"/>.</summary>
    public ResponseDeadline DeadlineFromNow() => ResponseDeadline.ForFunctionTimeout(Time.GetUtcNow(), Timeout);

    public TextWriter Output { get; }

    public TimeProvider Time { get; }

    /// <summary>The use case each function runs: intake, decide, respond.</summary>
    public EventResponder Events { get; }

    /// <summary>The containment engine the responders use, for work that is not a response to findings.</summary>
    public ContainmentEngine Engine => _containment.Engine;

    /// <summary>The playbook in force, re-read from its source at most once a minute.</summary>
    public PlaybookProvider Playbooks { get; }

    /// <summary>
    /// This runtime serves <paramref name="function"/>: its sessions in member accounts are limited to that function's
    /// calls (<see cref="ThreatResponse.Aws.Accounts.MemberSessionPolicy"/>). Each function's handler says so when it is
    /// created. Returns this runtime.
    /// </summary>
    public FunctionRuntime ServingFunction(string function)
    {
        _containment.Accounts.LimitSessionsTo(function, string.Equals(Environment["REVOKE_SESSIONS"]?.Trim(), "true", StringComparison.OrdinalIgnoreCase));
        return this;
    }

    /// <summary>The value of a setting the function cannot run without.</summary>
    /// <exception cref="InvalidOperationException">It is not set: a deployment error, reported at the first invocation.</exception>
    public string Required(string name) =>
        Environment[name] ?? throw new InvalidOperationException($"{name} is not set; the template sets it for every function that needs it");

    public bool Flag(string name) => Environment[name]?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" => false,
        "true" => true,
        var other => throw new InvalidOperationException($"{name}='{other}' is neither true nor false"),
    };

    public void Dispose()
    {
        _containment.Dispose();
        _signed.Dispose();
        _ssm?.Dispose();
        Playbooks.Dispose();
    }

    /// <summary>The runtime of this execution environment, from the process's environment, created on first use.</summary>
    public static FunctionRuntime Shared => SharedRuntime.Value;

    private static readonly Lazy<FunctionRuntime> SharedRuntime = new(() => new FunctionRuntime(AwsEnvironment.Process, Console.Out, TimeProvider.System));
}
