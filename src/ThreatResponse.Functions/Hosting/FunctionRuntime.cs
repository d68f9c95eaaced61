using ThreatResponse.Core.Containment;
using Amazon.Runtime;
using ThreatResponse.Aws;
using ThreatResponse.Aws.Http;
using ThreatResponse.Aws.Notifications;
using ThreatResponse.Aws.Playbooks;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Containment.Engine;
using ThreatResponse.Core.Settings;

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
    /// <exception cref="InvalidSettingsException">
    /// A setting is not allowed or a required one is missing: the function refuses to start (in Lambda, an init error
    /// naming every such variable, its value and what is allowed), before any client is made or any call is sent.
    /// </exception>
    public FunctionRuntime(AwsEnvironment environment, TextWriter output, TimeProvider time, Func<CancellationToken, Task<AWSCredentials>>? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Settings = FunctionSettings.Read(name => environment[name]);
        environment = environment.WithSettings(Settings.Deployment);
        Environment = environment;
        Output = output;
        Time = time;
        var topicArn = Settings.NotificationTopicArn;
        var topicRegion = topicArn.Split(':')[3]; // the ARN's form was checked with the settings
        if (!AwsNames.IsRegion(topicRegion))
        {
            throw new InvalidSettingsException([$"NOTIFICATION_TOPIC_ARN='{topicArn}' is not allowed: its Region '{topicRegion}' is not an AWS Region code"]);
        }

        _containment = new AwsCompositionRoot(environment, time, credentials);
        _signed = new SignedClientFactory(environment, time: time) { Credentials = credentials };
        Events = new EventResponder(new FindingResponder(
            _containment.Engine,
            new ResponseOutlets(
                new SecurityHubFindingUpdater(_signed.SecurityHub, time),
                new SnsNotifier(_signed.Sns(topicRegion), topicArn),
                Settings.FindingUpdates),
            time,
            _containment.Ledger)
        {
            ClaimWait = Settings.ClaimWait,
        });
        Playbooks = new PlaybookProvider(PlaybookSources.Choose(Settings.Playbook, Settings.PlaybookParameterName, environment, _containment.Credentials, out _ssm), time);
    }

    /// <summary>The function's settings, read and validated when the runtime was made.</summary>
    public FunctionSettings Settings { get; }

    public AwsEnvironment Environment { get; }

    /// <summary>
    /// The function's timeout: <c>FUNCTION_TIMEOUT_SECONDS</c>, which template.yaml sets from the parameter that sets
    /// the function's <c>Timeout</c>; default 120 s, the template's default.
    /// </summary>
    public TimeSpan Timeout => Settings.FunctionTimeout;

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
        _containment.Accounts.LimitSessionsTo(function, Settings.Deployment.Containment.RevokeSessions);
        return this;
    }

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
