using ThreatResponse.Aws;
using ThreatResponse.Core.Settings;
using ThreatResponse.Functions.Hosting;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// A function with a setting not allowed refuses to start: its runtime (made once per execution environment, in Lambda
/// at init by the handler's parameterless constructor) throws, naming the variable, the value and what is allowed —
/// before any AWS client exists, so no event is handled and nothing is done.
/// </summary>
public sealed class FunctionStartTests
{
    private static readonly Dictionary<string, string?> Valid = new(StringComparer.Ordinal)
    {
        ["NOTIFICATION_TOPIC_ARN"] = "arn:aws:sns:us-east-1:123456789012:threat-response",
        ["ACTION_TARGET_ARN"] = FunctionWorld.IsolateAction,
        ["AWS_REGION"] = "us-east-1",
        // Nothing listens here: a runtime that started would still send nothing before an event.
        ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9",
    };

    [Theory]
    [InlineData("CLAIM_WAIT_SECONDS", "90", "a number of seconds from 0 to 60")]
    [InlineData("NETWORK_ACL_RULE_QUOTA", "50", "an integer from 20 to 40")]
    [InlineData("DRY_RUN", "yes", "true or false")]
    [InlineData("FUNCTION_TIMEOUT_SECONDS", "0", "a number of seconds above 0 up to 900")]
    [InlineData("THREATRESPONSE_AWS_TIMEOUT_SECONDS", "ten", "a number of seconds above 0 up to 900")]
    [InlineData("AUTO_RESPONSE_MODE", "on", "one of off, dry-run, enforce")]
    [InlineData("NOTIFICATION_TOPIC_ARN", "threat-response", "an SNS topic ARN; required by every function")]
    public void Runtime_BadValue_RefusesToStartNamingIt(string name, string value, string allowed)
    {
        var error = Assert.Throws<InvalidSettingsException>(() => Runtime((name, value)));

        Assert.Contains($"{name}='{value}' is not allowed: {allowed}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_SeveralBadValues_AllNamedInOneMessage()
    {
        var error = Assert.Throws<InvalidSettingsException>(() => Runtime(("CLAIM_WAIT_SECONDS", "90"), ("REVOKE_SESSIONS", "yes"), ("ALLOWED_ACCOUNTS", "prod")));

        Assert.Equal(3, error.Problems.Count);
        Assert.All(["CLAIM_WAIT_SECONDS='90'", "REVOKE_SESSIONS='yes'", "ALLOWED_ACCOUNTS='prod'"], p => Assert.Contains(p, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Runtime_NotificationTopicInNoRegion_RefusesToStart()
    {
        var error = Assert.Throws<InvalidSettingsException>(() => Runtime(("NOTIFICATION_TOPIC_ARN", "arn:aws:sns:nowhere:123456789012:threat-response")));

        Assert.Contains("NOTIFICATION_TOPIC_ARN='arn:aws:sns:nowhere:123456789012:threat-response' is not allowed: its Region 'nowhere' is not an AWS Region code", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomAction_NoActionTarget_RefusesToStart()
    {
        using var runtime = Runtime(("ACTION_TARGET_ARN", null));

        var error = Assert.Throws<InvalidSettingsException>(() => new IsolateInstanceAction(runtime));

        Assert.Contains("ACTION_TARGET_ARN is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_ValidValues_TakenFromTheRecord()
    {
        using var runtime = Runtime(("CLAIM_WAIT_SECONDS", "1.5"), ("FUNCTION_TIMEOUT_SECONDS", "30"), ("DRY_RUN", "TRUE"), ("THREATRESPONSE_AWS_TIMEOUT_SECONDS", "2"));

        Assert.Equal(TimeSpan.FromSeconds(30), runtime.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1.5), runtime.Settings.ClaimWait);
        Assert.True(runtime.Settings.DryRun);
        Assert.Equal(TimeSpan.FromSeconds(2), runtime.Environment.AttemptTimeout);
        _ = new IsolateInstanceAction(runtime); // starts
    }

    private static FunctionRuntime Runtime(params (string Name, string? Value)[] overrides)
    {
        var variables = new Dictionary<string, string?>(Valid, StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            variables[name] = value;
        }

        return new FunctionRuntime(new AwsEnvironment(n => variables.GetValueOrDefault(n)), TextWriter.Null, TimeProvider.System, _ => Task.FromResult<Amazon.Runtime.AWSCredentials>(new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "secret")));
    }
}
