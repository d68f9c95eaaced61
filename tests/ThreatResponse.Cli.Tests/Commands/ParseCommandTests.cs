using System.Text.Json;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Cli.Tests.Commands;

public sealed class ParseCommandTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("tr-cli-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Parse_ProjectSampleEvent_PrintsContractShapeAndExitsZero()
    {
        var (exit, stdout, stderr) = await RunAsync("parse", "--event", Path.Combine(RepositoryRoot.Path, "events", "guardduty-backdoor-c2-web-instance.json"));

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr);
        using var json = JsonDocument.Parse(stdout);
        var finding = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray().ToList());
        Assert.Equal(
            ["id", "productArn", "source", "type", "severity", "account", "region", "resourceRole", "sample", "instances"],
            finding.EnumerateObject().Select(p => p.Name));
        Assert.Equal("guardduty", finding.GetProperty("source").GetString());
        Assert.Equal("Backdoor:EC2/C&CActivity.B", finding.GetProperty("type").GetString());
        Assert.Equal("HIGH", finding.GetProperty("severity").GetProperty("label").GetString());
        Assert.Equal(80, finding.GetProperty("severity").GetProperty("normalized").GetInt32());
        Assert.Equal("ACTOR", finding.GetProperty("resourceRole").GetString());
        Assert.False(finding.GetProperty("sample").GetBoolean());
        var instance = Assert.Single(finding.GetProperty("instances").EnumerateArray().ToList());
        Assert.Equal("i-0a1b2c3d4e5f60718", instance.GetProperty("instanceId").GetString());
        Assert.Equal("123456789012", instance.GetProperty("account").GetString());
        Assert.Equal("us-east-1", instance.GetProperty("region").GetString());
    }

    [Fact]
    public async Task Parse_NonEc2SharedEvent_PrintsEmptyInstancesAndNullRole()
    {
        var (exit, stdout, _) = await RunAsync("parse", "--event", EventCorpus.PathOf("securityhub-custom-action/securityhub-custom-action-multi-cis-1.6-two-findings.json"));

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var findings = json.RootElement.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal(0, f.GetProperty("instances").GetArrayLength()));
        Assert.All(findings, f => Assert.Equal(JsonValueKind.Null, f.GetProperty("resourceRole").ValueKind));
        Assert.All(findings, f => Assert.Equal("securityhub", f.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task Parse_MalformedEvent_ExitsTwoWithFileAndPathOnStderr()
    {
        var file = Path.Combine(_workDir, "bad.json");
        await File.WriteAllTextAsync(file, """{"detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"123456789012","region":"us-east-1","detail":{"arn":7}}""");

        var (exit, stdout, stderr) = await RunAsync("parse", "--event", file);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains(file, stderr, StringComparison.Ordinal);
        Assert.Contains("$.detail.arn: expected a string, found a number", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_MissingFile_ExitsTwo()
    {
        var (exit, stdout, stderr) = await RunAsync("parse", "--event", Path.Combine(_workDir, "nope.json"));

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("cannot read the event file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_WithoutEventOption_ExitsTwoWithUsageError()
    {
        var (exit, _, stderr) = await RunAsync("parse");

        Assert.Equal(2, exit);
        Assert.Contains("--event", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownCommand_ExitsTwo()
    {
        var (exit, _, _) = await RunAsync("frobnicate");

        Assert.Equal(2, exit);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
