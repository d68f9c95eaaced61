using System.Text.Json;
using Amazon.S3;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Base for the evidence tests: the world with the evidence settings, a directory the stand-in agent's script may write
/// and search, the SSM requests' violations of botocore's model, and the report's steps as a subscriber reads them.
/// </summary>
public abstract class EvidenceWorldTest(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    protected const string Bucket = "threat-response-evidence";

    protected string Writable { get; } = Directory.CreateTempSubdirectory("threat-response-agent-").FullName;

    protected List<string> Violations { get; } = [];

    /// <summary>The evidence document as the templates ship it, in the world's account and Region: collection refuses any other.</summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await EvidenceScene.CreateDocumentAsync(Moto);
    }

    public override async Task DisposeAsync()
    {
        Directory.Delete(Writable, recursive: true);
        await base.DisposeAsync();
    }

    /// <summary>The evidence bucket as the template makes it, as far as moto models it.</summary>
    protected async Task<AmazonS3Client> BucketAsync()
    {
        var s3 = new AmazonS3Client(MotoServerFixture.Credentials, Moto.Configure(new AmazonS3Config { ForcePathStyle = true }));
        await EvidenceScene.CreateBucketAsync(s3, Bucket);
        return s3;
    }

    protected FunctionWorld WithEvidenceSettings() => World
        .Set("EVIDENCE_BUCKET_NAME", Bucket)
        .Set("EVIDENCE_TIMEOUT_SECONDS", "30")
        .Set("EVIDENCE_RETENTION_DAYS", "90");

    /// <summary>The report's steps for the one instance, from the notification's JSON document (what an SQS subscriber gets).</summary>
    protected static List<JsonElement> Steps(JsonElement notification) =>
        [.. JsonDocument.Parse(notification.GetProperty("Message").GetString()!).RootElement.GetProperty("report").GetProperty("instances")[0].GetProperty("steps").EnumerateArray().Select(s => s.Clone())];

    protected static JsonElement Step(List<JsonElement> steps, string name) => steps.Single(s => s.GetProperty("step").GetString() == name);

    /// <summary>The report's one step <paramref name="name"/> ended <paramref name="expected"/>; a failure names the step, its detail and every step.</summary>
    protected static void AssertStep(List<JsonElement> steps, string name, string expected)
    {
        var matching = steps.Where(s => s.GetProperty("step").GetString() == name).ToList();
        var all = string.Join(", ", steps.Select(s => $"{s.GetProperty("step").GetString()}={s.GetProperty("outcome").GetString()}"));
        Assert.True(matching.Count == 1, $"{matching.Count} steps named {name} in the report: {all}");
        var step = matching[0];
        var actual = step.GetProperty("outcome").GetString();
        Assert.True(actual == expected, $"step {name}: {actual} ({(step.TryGetProperty("detail", out var detail) ? detail.ToString() : "no detail")}), expected {expected}; the report's steps: {all}");
    }
}
