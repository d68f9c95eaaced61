using System.Text.Json;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Cli.Tests.Commands;

public sealed class PlaybookCommandsTests : IDisposable
{
    private const string WebInstanceFindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/12c5e1a7b3d94f6e8a0b2c4d6e8f0a1b/finding/4ec6f2b1a9d84e0c9e8f7a6b5c4d3e2f";

    private const string NotifyAllPlaybook = """
        version: 1
        rules:
          - name: notify-all
            description: Tell people about everything; contain nothing.
            actions: [notify]
        """;

    private const string InvalidPlaybook = """
        version: 1
        rules:
          - name: crypto
            match:
              types: [CryptoCurrency:EC2/*]
              severityAtLeast: high
            actions: [isolate, release]
          - name: default
            actions: [notify]
        """;

    private readonly string _workDir = Directory.CreateTempSubdirectory("tr-cli-playbook-").FullName;

    private static string WebInstanceEvent => Path.Combine(RepositoryRoot.Path, "events", "guardduty-backdoor-c2-web-instance.json");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Plan_ProjectSampleEventWithDefaultPlaybook_PrintsHighSeverityActorDecision()
    {
        var (exit, stdout, stderr) = await RunAsync("plan", "--event", WebInstanceEvent);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(["decisions"], json.RootElement.EnumerateObject().Select(p => p.Name));
        var decision = Assert.Single(json.RootElement.GetProperty("decisions").EnumerateArray().ToList());
        Assert.Equal(["findingId", "instanceId", "rule", "actions"], decision.EnumerateObject().Select(p => p.Name));
        Assert.Equal(WebInstanceFindingId, decision.GetProperty("findingId").GetString());
        Assert.Equal("i-0a1b2c3d4e5f60718", decision.GetProperty("instanceId").GetString());
        Assert.Equal("high-severity-actor", decision.GetProperty("rule").GetString());
        Assert.Equal(["isolate", "snapshot"], decision.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(
            $$"""{"decisions":[{"findingId":"{{WebInstanceFindingId}}","instanceId":"i-0a1b2c3d4e5f60718","rule":"high-severity-actor","actions":["isolate","snapshot"]}]}""",
            JsonSerializer.Serialize(json.RootElement));
    }

    [Fact]
    public async Task Plan_WithPlaybookFileThatNotifiesAll_PrintsNotify()
    {
        var playbook = await WriteAsync("notify-all.yaml", NotifyAllPlaybook);

        var (exit, stdout, stderr) = await RunAsync("plan", "--event", WebInstanceEvent, "--playbook", playbook);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr);
        using var json = JsonDocument.Parse(stdout);
        var decision = Assert.Single(json.RootElement.GetProperty("decisions").EnumerateArray().ToList());
        Assert.Equal("i-0a1b2c3d4e5f60718", decision.GetProperty("instanceId").GetString());
        Assert.Equal("notify-all", decision.GetProperty("rule").GetString());
        Assert.Equal(["notify"], decision.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Plan_WithJsonPlaybookFile_UsesIt()
    {
        var playbook = await WriteAsync("playbook.json", """
            {"version": 1, "rules": [
              {"name": "backdoors", "match": {"types": ["Backdoor:EC2/*"]}, "actions": ["snapshot"]},
              {"name": "default", "actions": ["notify"]}
            ]}
            """);

        var (exit, stdout, _) = await RunAsync("plan", "--event", WebInstanceEvent, "--playbook", playbook);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var decision = Assert.Single(json.RootElement.GetProperty("decisions").EnumerateArray().ToList());
        Assert.Equal("backdoors", decision.GetProperty("rule").GetString());
        Assert.Equal(["snapshot"], decision.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Plan_WithInvalidPlaybook_ExitsTwoWithFileAndRulePathOnStderr()
    {
        var playbook = await WriteAsync("bad.yaml", InvalidPlaybook);

        var (exit, stdout, stderr) = await RunAsync("plan", "--event", WebInstanceEvent, "--playbook", playbook);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains($"{playbook}: rules[0].match.severityAtLeast: 'high' is not a severity from 0 to 10", stderr, StringComparison.Ordinal);
        Assert.Contains($"{playbook}: rules[0].actions[1]: 'release' is not one of notify, isolate, snapshot, stop, revoke-sessions, collect", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_WithMissingPlaybookFile_ExitsTwo()
    {
        var missing = Path.Combine(_workDir, "nope.yaml");

        var (exit, stdout, stderr) = await RunAsync("plan", "--event", WebInstanceEvent, "--playbook", missing);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains($"{missing}: cannot read the playbook", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_SharedEventWithoutInstance_PrintsNullInstanceId()
    {
        var (exit, stdout, stderr) = await RunAsync("plan", "--event", EventCorpus.PathOf("guardduty/guardduty-runtime-container-dockersocketaccessed.json"));

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr);
        using var json = JsonDocument.Parse(stdout);
        var decision = Assert.Single(json.RootElement.GetProperty("decisions").EnumerateArray().ToList());
        Assert.Equal(JsonValueKind.Null, decision.GetProperty("instanceId").ValueKind);
        Assert.Equal("default", decision.GetProperty("rule").GetString());
        Assert.Equal(["notify"], decision.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Plan_SharedSampleEventWithoutInstance_PrintsSampleRuleAndNullInstanceId()
    {
        var (exit, stdout, _) = await RunAsync("plan", "--event", EventCorpus.PathOf("guardduty/guardduty-iamuser-toripcaller-accesskey-sample.json"));

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var decision = Assert.Single(json.RootElement.GetProperty("decisions").EnumerateArray().ToList());
        Assert.Equal(JsonValueKind.Null, decision.GetProperty("instanceId").ValueKind);
        Assert.Equal("sample-findings", decision.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Plan_WithoutEvent_ExitsTwo()
    {
        var (exit, stdout, stderr) = await RunAsync("plan");

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("--event", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlaybookValidate_ValidPlaybook_ExitsZeroAndPrintsRules()
    {
        var playbook = await WriteAsync("ok.yaml", """
            version: 1
            rules:
              - name: "prod \"crypto\""
                match: { types: CryptoCurrency:EC2/*, instanceTags: { Environment: prod* } }
                actions: [isolate, snapshot]
              - name: default
                actions: [notify]
            """);

        var (exit, stdout, stderr) = await RunAsync("playbook", "validate", playbook);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(["prod \"crypto\"", "default"], json.RootElement.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("2 rules", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlaybookValidate_ValidPlaybook_PrintsCompactJsonOnOneLine()
    {
        var playbook = await WriteAsync("notify-all.yaml", NotifyAllPlaybook);

        var (exit, stdout, stderr) = await RunAsync("playbook", "validate", playbook);

        Assert.Equal(0, exit);
        Assert.Equal("""{"valid":true,"rules":["notify-all"]}""" + Environment.NewLine, stdout);
        Assert.Equal("valid: 1 rules, first match wins, 'notify-all' decides the rest" + Environment.NewLine, stderr);
    }

    [Fact]
    public async Task PlaybookValidate_DefaultPlaybookFromSource_IsValid()
    {
        var (exit, stdout, _) = await RunAsync("playbook", "validate", Path.Combine(RepositoryRoot.Path, "src", "ThreatResponse.Core", "Playbooks", "default-playbook.yaml"));

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(
            ["sample-findings", "low-severity", "attack-sequence-ec2", "high-severity-actor", "known-compromise-types", "default"],
            json.RootElement.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task PlaybookValidate_InvalidPlaybook_ExitsTwoWithEveryErrorOnItsOwnLine()
    {
        var playbook = await WriteAsync("bad.yaml", """
            version: 2
            rules:
              - name: a
                match: { severityAtLeast: 11, resourceRole: bogus }
                actions: [isolate, isolate]
              - name: a
                match: { sample: true }
                actions: [notify]
              - name: last
                match: { sample: false }
                actions: [notify]
            """);

        var (exit, stdout, stderr) = await RunAsync("playbook", "validate", playbook);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        var lines = stderr.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                $"error: {playbook}: version: must be 1",
                $"error: {playbook}: rules[0].match.severityAtLeast: '11' is not a severity from 0 to 10 (GuardDuty's scale)",
                $"error: {playbook}: rules[0].match.resourceRole: 'bogus' is neither ACTOR nor TARGET",
                $"error: {playbook}: rules[0].actions[1]: 'isolate' is listed twice",
                $"error: {playbook}: rules[1].name: 'a' is used by an earlier rule",
                $"error: {playbook}: rules[2]: the last rule must have no 'match', so that every finding gets a decision",
            ],
            lines);
    }

    [Fact]
    public async Task PlaybookValidate_NotYaml_ExitsTwoWithFile()
    {
        var playbook = await WriteAsync("broken.yaml", "version: 1\nrules: [\n");

        var (exit, _, stderr) = await RunAsync("playbook", "validate", playbook);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: {playbook}: not valid YAML or JSON (line ", stderr, StringComparison.Ordinal);
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_workDir, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
