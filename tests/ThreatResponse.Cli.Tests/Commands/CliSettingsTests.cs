using ThreatResponse.Aws;
using ThreatResponse.Testing;

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
}
