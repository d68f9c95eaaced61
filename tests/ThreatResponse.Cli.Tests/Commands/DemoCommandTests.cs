using System.Text.Json;
using ThreatResponse.Testing;

namespace ThreatResponse.Cli.Tests.Commands;

[Collection(MotoCollectionDefinition.Name)]
public sealed class DemoCommandTests(MotoServerFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task Demo_JsonAgainstRunningEmulator_ContainsThenRestoresExactly()
    {
        var (exit, stdout, stderr) = await RunAsync("demo", "--json", "--endpoint-url", Moto.Endpoint.ToString());

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("succeeded").GetBoolean());
        var contained = root.GetProperty("contained");
        Assert.All(contained.GetProperty("networkInterfaces").EnumerateArray().ToList(), eni => Assert.Equal("threat-response-isolation", Assert.Single(eni.GetProperty("groups").EnumerateArray().ToList()).GetString()));
        Assert.Equal("disabled", contained.GetProperty("metadataEndpoint").GetString());
        Assert.Equal(JsonValueKind.Null, contained.GetProperty("instanceProfile").ValueKind);
        Assert.Equal(2, contained.GetProperty("snapshots").GetArrayLength());
        Assert.Equal(root.GetProperty("before").GetProperty("networkInterfaces").GetRawText(), root.GetProperty("released").GetProperty("networkInterfaces").GetRawText());
        Assert.Equal(2, root.GetProperty("notifications").GetArrayLength());
        Assert.StartsWith("[ThreatResponse] Isolated+snapshotted", root.GetProperty("notifications")[0].GetProperty("subject").GetString(), StringComparison.Ordinal);
        Assert.Equal("NOTIFIED", root.GetProperty("findingUpdates")[0].GetProperty("Workflow").GetProperty("Status").GetString());
        Assert.Contains("GuardDutyResponder", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_StartsItsOwnEmulator_ShowsTheTableAndExitsZero()
    {
        var (exit, stdout, stderr) = await RunAsync("demo");

        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("Starting moto_server", stdout, StringComparison.Ordinal);
        Assert.Contains("After containment", stdout, StringComparison.Ordinal);
        Assert.Contains("threat-response-i", stdout, StringComparison.Ordinal);
        Assert.Contains("released to exactly where it was", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_ShowNotification_PrintsTheEmailChatAndJsonBodiesAsPublished()
    {
        var (exit, stdout, stderr) = await RunAsync("demo", "--show-notification", "--endpoint-url", Moto.Endpoint.ToString());

        Assert.True(exit == 0, stderr + stdout);
        var email = Section(stdout, "==== E-mail body (SNS protocols default, email)\n", "==== Chat body");
        Assert.StartsWith("ThreatResponse: Isolated+snapshotted i-", email, StringComparison.Ordinal);
        Assert.Contains("WHAT\n  Outcome:   succeeded\n", email, StringComparison.Ordinal);
        using var chat = JsonDocument.Parse(Section(stdout, "==== Chat body (https: Amazon Q Developer in chat applications), indented here\n", "\n==== JSON body"));
        Assert.Equal("custom", chat.RootElement.GetProperty("source").GetString());
        Assert.StartsWith(":white_check_mark: Isolated+snapshotted i-", chat.RootElement.GetProperty("content").GetProperty("title").GetString(), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout[(stdout.IndexOf("==== JSON body (sqs, lambda, http), indented here\n", StringComparison.Ordinal) + 50)..]);
        Assert.Equal("succeeded", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(json.RootElement.GetProperty("reportId").GetString(), chat.RootElement.GetProperty("metadata").GetProperty("additionalContext").GetProperty("reportId").GetString());
    }

    private static string Section(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"no '{start}' in the output");
        from += start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApplication.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
