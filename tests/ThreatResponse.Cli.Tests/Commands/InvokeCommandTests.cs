using System.Diagnostics;
using System.Text.Json;
using Amazon.EC2.Model;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Cli.Tests.Commands;

/// <summary>
/// <c>threat-response invoke</c> in a fresh process, as Lambda would run a handler: the handler string from
/// template.yaml, configuration from the environment.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class InvokeCommandTests(MotoServerFixture moto) : MotoTest(moto)
{
    private const string IsolateAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRIsolate";

    [Fact]
    public async Task Invoke_IsolateInstanceAction_RunsHandlerFromTemplateAndPrintsOutput()
    {
        using var securityHub = new SecurityHubModelEndpoint();
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var topicArn = await MotoSns.CreateTopicAsync(Moto, "threat-response");
        var eventFile = Path.Combine(Path.GetTempPath(), $"tr-invoke-{Guid.NewGuid():N}.json");
        var text = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "events", "securityhub-custom-action-isolate-web-instance.json"));
        await File.WriteAllTextAsync(eventFile, text.Replace("i-0a1b2c3d4e5f60718", scene.InstanceId, StringComparison.Ordinal));

        try
        {
            var (exit, stdout, stderr) = await RunAsync(securityHub, topicArn, "invoke", "IsolateInstanceAction", "--event", eventFile);

            Assert.True(exit == 0, stderr);
            using var output = JsonDocument.Parse(stdout);
            Assert.Equal("succeeded", output.RootElement.GetProperty("outcome").GetString());
            var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0];
            Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName);
            Assert.Contains("\"message\":\"instance response\"", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(eventFile);
        }
    }

    [Fact]
    public async Task Invoke_HandlerThrows_ExitsOneWithTheError()
    {
        using var securityHub = new SecurityHubModelEndpoint();
        var topicArn = await MotoSns.CreateTopicAsync(Moto, "threat-response");

        var (exit, _, stderr) = await RunAsync(securityHub, topicArn, "invoke", "IsolateInstanceAction", "--event",
            EventCorpus.PathOf("guardduty/guardduty-ec2-ssh-bruteforce.json"));

        Assert.Equal(1, exit);
        Assert.Contains("InvalidEventException", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_UnknownFunction_ExitsTwo()
    {
        using var securityHub = new SecurityHubModelEndpoint();

        var (exit, _, stderr) = await RunAsync(securityHub, "arn:aws:sns:us-east-1:123456789012:t", "invoke", "NoSuchFunction", "--event",
            EventCorpus.PathOf("guardduty/guardduty-ec2-ssh-bruteforce.json"));

        Assert.Equal(2, exit);
        Assert.Contains("no AWS::Serverless::Function named 'NoSuchFunction'", stderr, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(SecurityHubModelEndpoint securityHub, string topicArn, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "threat-response.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AWS_ENDPOINT_URL"] = Moto.Endpoint.ToString();
        start.Environment["AWS_ENDPOINT_URL_SECURITYHUB"] = securityHub.Endpoint.ToString();
        start.Environment["AWS_REGION"] = MotoServerFixture.DefaultRegion;
        start.Environment["AWS_ACCESS_KEY_ID"] = "testing";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "testing";
        start.Environment["NOTIFICATION_TOPIC_ARN"] = topicArn;
        start.Environment["ACTION_TARGET_ARN"] = IsolateAction;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
