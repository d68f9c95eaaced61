using ThreatResponse.Aws;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Cli.Tests.Commands;

/// <summary>
/// A CLI command that acts in AWS checks the deployment's settings when it starts: a value not allowed refuses the
/// command, naming every such variable, and the instance is left as it was.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class CliSettingsTests(MotoServerFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task Contain_SettingsNotAllowed_RefusedNamingEachAndNothingChanged()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var before = await ec2.GroupIdsAsync(scene.PrimaryEniId);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var environment = new AwsEnvironment(name => name switch
        {
            "AWS_ENDPOINT_URL" => Moto.Endpoint.ToString(),
            "AWS_REGION" => MotoServerFixture.DefaultRegion,
            "NETWORK_ACL_RULE_QUOTA" => "50",
            "REVOKE_SESSIONS" => "yes",
            _ => null,
        });

        var exit = await CliApplication.RunAsync(["contain", "--instance", scene.InstanceId, "--actions", "isolate"], stdout, stderr, environment);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("error: NETWORK_ACL_RULE_QUOTA='50' is not allowed: an integer from 20 to 40", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("error: REVOKE_SESSIONS='yes' is not allowed: true or false", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout.ToString());
        Assert.Equal(before, await ec2.GroupIdsAsync(scene.PrimaryEniId));
    }

    /// <summary>
    /// A function run as Lambda runs it (its own process; the handler made by its parameterless constructor, as at
    /// Lambda's init) with a setting not allowed: the handler cannot be made, the error names the variable, and the
    /// instance the event names keeps its groups.
    /// </summary>
    [Fact]
    public async Task Invoke_FunctionWithSettingNotAllowed_RefusesToStartAndTheInstanceIsUntouched()
    {
        using var securityHub = new SecurityHubModelEndpoint();
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var before = await ec2.GroupIdsAsync(scene.PrimaryEniId);
        var topicArn = await MotoSns.CreateTopicAsync(Moto, "threat-response");
        var eventFile = Path.Combine(Path.GetTempPath(), $"tr-settings-{Guid.NewGuid():N}.json");
        var text = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "events", "securityhub-custom-action-isolate-web-instance.json"));
        await File.WriteAllTextAsync(eventFile, text.Replace("i-0a1b2c3d4e5f60718", scene.InstanceId, StringComparison.Ordinal));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_ENDPOINT_URL"] = Moto.Endpoint.ToString(),
            ["AWS_ENDPOINT_URL_SECURITYHUB"] = securityHub.Endpoint.ToString(),
            ["AWS_REGION"] = MotoServerFixture.DefaultRegion,
            ["AWS_ACCESS_KEY_ID"] = "testing",
            ["AWS_SECRET_ACCESS_KEY"] = "testing",
            ["NOTIFICATION_TOPIC_ARN"] = topicArn,
            ["ACTION_TARGET_ARN"] = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRIsolate",
            ["CLAIM_WAIT_SECONDS"] = "90",
        };

        try
        {
            var result = await FunctionProcess.InvokeAsync(
                Path.Combine(AppContext.BaseDirectory, "threat-response.dll"), "IsolateInstanceAction", eventFile, environment, TimeSpan.FromMinutes(2));

            Assert.Equal(1, result.Exit);
            Assert.Contains("InvalidSettingsException: refusing to start", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("CLAIM_WAIT_SECONDS='90' is not allowed: a number of seconds from 0 to 60", result.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, await ec2.GroupIdsAsync(scene.PrimaryEniId));
        }
        finally
        {
            File.Delete(eventFile);
        }
    }
}
