using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Settings;

namespace ThreatResponse.Core.Tests.Settings;

/// <summary>
/// Each kind of setting read the one way: unset or blank is the default; a value set and not allowed is refused with
/// the variable, the value and what is allowed — never clamped, never replaced by the default.
/// </summary>
public sealed class SettingsTests
{
    private const string Topic = "arn:aws:sns:us-east-1:123456789012:threat-response";

    [Fact]
    public void Read_NothingButTheTopic_EveryDefault()
    {
        var settings = Function();

        Assert.Equal(Topic, settings.NotificationTopicArn);
        Assert.Null(settings.ActionTargetArn);
        Assert.False(settings.DryRun);
        Assert.Equal(ResponseMode.DryRun, settings.AutoResponseMode);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.ClaimWait);
        Assert.Equal(TimeSpan.FromSeconds(120), settings.FunctionTimeout);
        Assert.Equal("NOTIFIED", settings.FindingUpdates.WorkflowStatusAfterContainment);
        var deployment = settings.Deployment;
        Assert.Null(deployment.LedgerTableName);
        Assert.Null(deployment.HomeAccountId);
        Assert.Equal(1, deployment.Ec2RateScale);
        Assert.Equal(TimeSpan.FromSeconds(10), deployment.AwsAttemptTimeout);
        var containment = deployment.Containment;
        Assert.Equal(("ThreatResponse:Exempt", "ThreatResponseMember", 20, true, false, false), (containment.ExemptTagKey, containment.MemberRoleName, containment.NetworkAclRuleQuota, containment.DenyInNetworkAcls, containment.RevokeSessions, containment.ReleaseRestoresMembership));
        Assert.Equal(("ThreatResponse-CollectEvidence", 100L * 1024 * 1024, TimeSpan.FromSeconds(90), (int?)null, "ThreatResponse-Quarantine", (string?)null), (containment.Evidence.DocumentName, containment.Evidence.MaxBytes, containment.Evidence.Timeout, containment.Evidence.RetentionDays, containment.Evidence.QuarantineProfileName, containment.Evidence.OrganizationId));
    }

    [Fact]
    public void Read_NothingSet_SameAsTheRecordsOwnDefaults()
    {
        // A record made in code (tests, the CLI's overrides) starts from the same values as one read with nothing set.
        Assert.Equal(new Core.Containment.ContainmentOptions() with { AllowedAccounts = Function().Deployment.Containment.AllowedAccounts }, Function().Deployment.Containment);
        Assert.Equal(new DeploymentSettings() with { Containment = Function().Deployment.Containment }, Function().Deployment);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData(" false ", false)]
    public void Bool_TrueOrFalse_Read(string value, bool expected)
    {
        Assert.Equal(expected, Function(("DRY_RUN", value)).DryRun);
        Assert.Equal(expected, Function(("REVOKE_SESSIONS", value)).Deployment.Containment.RevokeSessions);
    }

    [Theory]
    [InlineData("DRY_RUN", "yes")]
    [InlineData("REVOKE_SESSIONS", "1")]
    [InlineData("RELEASE_RESTORES_MEMBERSHIP", "on")]
    [InlineData("NETWORK_ACL_DENY", "no")]
    public void Bool_AnythingElse_Refused(string name, string value)
    {
        AssertRefused(name, value, "true or false");
    }

    [Theory]
    [InlineData("20", 20)]
    [InlineData("40", 40)]
    [InlineData("33", 33)]
    public void IntRange_Inside_Read(string value, int expected)
    {
        Assert.Equal(expected, Function(("NETWORK_ACL_RULE_QUOTA", value)).Deployment.Containment.NetworkAclRuleQuota);
    }

    [Theory]
    [InlineData("NETWORK_ACL_RULE_QUOTA", "19", "an integer from 20 to 40")] // once silently 20
    [InlineData("NETWORK_ACL_RULE_QUOTA", "41", "an integer from 20 to 40")]
    [InlineData("NETWORK_ACL_RULE_QUOTA", "twenty", "an integer from 20 to 40")]
    [InlineData("NETWORK_ACL_RULE_QUOTA", "25.5", "an integer from 20 to 40")]
    [InlineData("EVIDENCE_MAX_BYTES", "999999", "an integer from 1000000 to 5368709120")]
    [InlineData("EVIDENCE_RETENTION_DAYS", "0", "an integer from 1 to 36500")]
    public void IntRange_Outside_Refused(string name, string value, string allowed)
    {
        AssertRefused(name, value, allowed);
    }

    [Theory]
    [InlineData("CLAIM_WAIT_SECONDS", "0", 0)]
    [InlineData("CLAIM_WAIT_SECONDS", "60", 60)]
    [InlineData("CLAIM_WAIT_SECONDS", "1.5", 1.5)]
    [InlineData("FUNCTION_TIMEOUT_SECONDS", "6.25", 6.25)]
    public void Seconds_Inside_Read(string name, string value, double seconds)
    {
        var settings = Function((name, value));

        Assert.Equal(TimeSpan.FromSeconds(seconds), name == "CLAIM_WAIT_SECONDS" ? settings.ClaimWait : settings.FunctionTimeout);
    }

    [Theory]
    [InlineData("CLAIM_WAIT_SECONDS", "61", "a number of seconds from 0 to 60")] // once silently 20
    [InlineData("CLAIM_WAIT_SECONDS", "-1", "a number of seconds from 0 to 60")]
    [InlineData("FUNCTION_TIMEOUT_SECONDS", "0", "a number of seconds above 0 up to 900")] // once silently 120
    [InlineData("FUNCTION_TIMEOUT_SECONDS", "2m", "a number of seconds above 0 up to 900")]
    [InlineData("THREATRESPONSE_AWS_TIMEOUT_SECONDS", "-5", "a number of seconds above 0 up to 900")] // once silently 10
    [InlineData("EVIDENCE_TIMEOUT_SECONDS", "5", "a number of seconds from 10 to 900")] // once silently 90
    [InlineData("THREATRESPONSE_EC2_RATE_SCALE", "0", "a number above 0 up to 1000")] // once silently 1
    public void Seconds_Outside_Refused(string name, string value, string allowed)
    {
        AssertRefused(name, value, allowed);
    }

    [Theory]
    [InlineData("off", ResponseMode.Off)]
    [InlineData("Enforce", ResponseMode.Enforce)]
    [InlineData("dry-run", ResponseMode.DryRun)]
    public void Enum_OneOfTheValues_Read(string value, ResponseMode expected)
    {
        Assert.Equal(expected, Function(("AUTO_RESPONSE_MODE", value)).AutoResponseMode);
    }

    [Theory]
    [InlineData("AUTO_RESPONSE_MODE", "dryrun", "one of off, dry-run, enforce")]
    [InlineData("FINDING_WORKFLOW_STATUS", "CLOSED", "one of NEW, NOTIFIED, RESOLVED, SUPPRESSED, unchanged")]
    public void Enum_Other_Refused(string name, string value, string allowed)
    {
        AssertRefused(name, value, allowed);
    }

    [Theory]
    [InlineData("NOTIFICATION_TOPIC_ARN", "threat-response")]
    [InlineData("NOTIFICATION_TOPIC_ARN", "arn:aws:sqs:us-east-1:123456789012:threat-response")]
    [InlineData("ACTION_TARGET_ARN", "arn:aws:securityhub:us-east-1:123456789012:action/custom/Too-Long-And-Dashed")]
    [InlineData("HOME_ACCOUNT_ID", "12345678901")]
    [InlineData("ALLOWED_ACCOUNTS", "111122223333,44445555666")]
    [InlineData("MEMBER_ROLE_NAME", "role/ThreatResponseMember")]
    [InlineData("LEDGER_TABLE_NAME", "t")]
    [InlineData("EVIDENCE_BUCKET_NAME", "Evidence_Bucket")]
    [InlineData("QUARANTINE_INSTANCE_PROFILE_NAME", "a profile")]
    [InlineData("ORGANIZATION_ID", "o-short")] // once silently ignored
    [InlineData("EXEMPT_TAG_KEY", "Exempt")]
    public void ArnOrName_Malformed_Refused(string name, string value)
    {
        var setting = SettingsTable.All.Single(s => s.Name == name);

        AssertRefused(name, value, setting.Allowed);
    }

    [Fact]
    public void ArnOrName_WellFormed_Read()
    {
        var settings = Function(
            ("ACTION_TARGET_ARN", "arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:action/custom/TRIsolate"),
            ("ALLOWED_ACCOUNTS", " 111122223333, 444455556666 ,"),
            ("LEDGER_TABLE_NAME", "threat-response-Ledger-1A2B"),
            ("ORGANIZATION_ID", "o-a1b2c3d4e5"));

        Assert.Equal("arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:action/custom/TRIsolate", settings.ActionTargetArn);
        Assert.Equal(["111122223333", "444455556666"], settings.Deployment.Containment.AllowedAccounts.Order(StringComparer.Ordinal));
        Assert.Equal("threat-response-Ledger-1A2B", settings.Deployment.LedgerTableName);
        Assert.Equal("o-a1b2c3d4e5", settings.Deployment.Containment.Evidence.OrganizationId);
    }

    [Fact]
    public void Read_SeveralBadValues_EveryOneNamed()
    {
        var error = Assert.Throws<InvalidSettingsException>(() => Function(("CLAIM_WAIT_SECONDS", "90"), ("DRY_RUN", "yes"), ("NETWORK_ACL_RULE_QUOTA", "50")));

        Assert.Equal(
            ["CLAIM_WAIT_SECONDS='90' is not allowed: a number of seconds from 0 to 60", "DRY_RUN='yes' is not allowed: true or false", "NETWORK_ACL_RULE_QUOTA='50' is not allowed: an integer from 20 to 40"],
            error.Problems.Order(StringComparer.Ordinal));
        Assert.StartsWith("refusing to start: 3 setting(s) not allowed", error.Message, StringComparison.Ordinal);
        Assert.All(error.Problems, p => Assert.Contains(p, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_NoTopic_RefusedSayingItIsRequired()
    {
        var error = Assert.Throws<InvalidSettingsException>(() => FunctionSettings.Read(_ => null));

        Assert.Equal("NOTIFICATION_TOPIC_ARN is not set: an SNS topic ARN; required by every function", Assert.Single(error.Problems));
    }

    [Fact]
    public void RequireActionTarget_Unset_RefusedNamingIt()
    {
        var error = Assert.Throws<InvalidSettingsException>(() => Function().RequireActionTarget());

        Assert.Contains("ACTION_TARGET_ARN is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeploymentSettings_DoesNotNeedTheFunctionsVariables()
    {
        // The CLI's record: no topic needed, and the functions' own variables are not its business.
        var settings = DeploymentSettings.Read(name => name switch { "LEDGER_TABLE_NAME" => "ledger", "CLAIM_WAIT_SECONDS" => "999", _ => null });

        Assert.Equal("ledger", settings.LedgerTableName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_Blank_IsTheDefault(string value)
    {
        var settings = Function(("CLAIM_WAIT_SECONDS", value), ("NETWORK_ACL_RULE_QUOTA", value), ("DRY_RUN", value), ("AUTO_RESPONSE_MODE", value));

        Assert.Equal((TimeSpan.FromSeconds(20), 20, false, ResponseMode.DryRun), (settings.ClaimWait, settings.Deployment.Containment.NetworkAclRuleQuota, settings.DryRun, settings.AutoResponseMode));
    }

    private static void AssertRefused(string name, string value, string allowed)
    {
        var error = Assert.Throws<InvalidSettingsException>(() => Function((name, value)));

        Assert.Equal($"{name}='{value}' is not allowed: {allowed}", Assert.Single(error.Problems));
    }

    private static FunctionSettings Function(params (string Name, string Value)[] variables) =>
        FunctionSettings.Read(name => name == "NOTIFICATION_TOPIC_ARN" && variables.All(v => v.Name != name)
            ? Topic
            : variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault());
}
