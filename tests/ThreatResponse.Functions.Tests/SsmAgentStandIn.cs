using System.Diagnostics;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Plays the side of Systems Manager that moto lacks, on the world's proxy: the agent registry
/// (<c>DescribeInstanceInformation</c>) and the agent running the command — the real collection script, on this machine,
/// with the upload URL the command carries (<c>GetCommandInvocation</c> answers with its output). Requests are checked
/// against botocore's SSM model; violations are added to the list given.
/// </summary>
internal static class SsmAgentStandIn
{
    private static readonly Lazy<BotocoreModel> SsmModel = new(() => BotocoreModel.Load("ssm"));

    public static void Play(FunctionWorld world, string instanceId, string writableDirectory, List<string> violations, bool online = true, bool registered = true)
    {
        world.AwsProxy.Inject(c => c.Operation == "DescribeInstanceInformation", new ProxyFault.Respond(call =>
        {
            Check("DescribeInstanceInformation", call.Body, violations);
            var list = registered
                ? $$"""[{"InstanceId":"{{instanceId}}","PingStatus":"{{(online ? "Online" : "ConnectionLost")}}","PlatformType":"Linux","PlatformName":"Amazon Linux"}]"""
                : "[]";
            return Task.FromResult((200, $$"""{"InstanceInformationList":{{list}}}"""));
        }));

        Task<string>? ran = null;
        world.AwsProxy.Inject(c => c.Operation == "GetCommandInvocation", new ProxyFault.Respond(async call =>
        {
            Check("GetCommandInvocation", call.Body, violations);
            var send = JsonDocument.Parse(world.AwsProxy.Calls.Last(c => c.Operation == "SendCommand").Body).RootElement;
            var parameters = send.GetProperty("Parameters");
            string Parameter(string name) => parameters.GetProperty(name)[0].GetString()!;
            ran ??= RunScriptAsync(Parameter("uploadUrl"), Parameter("maxBytes"), Parameter("label"), writableDirectory);
            var stdout = await ran;
            return (200, JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["CommandId"] = JsonDocument.Parse(call.Body).RootElement.GetProperty("CommandId").GetString(),
                ["InstanceId"] = instanceId,
                ["DocumentName"] = "ThreatResponse-CollectEvidence",
                ["Status"] = "Success",
                ["ResponseCode"] = 0,
                ["StandardOutputContent"] = stdout,
            }));
        }));
    }

    /// <summary>The evidence bucket as template.yaml makes it, as far as moto models it: Object Lock with a default retention.</summary>
    public static async Task CreateEvidenceBucketAsync(AmazonS3Client s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = true });
        await s3.PutObjectLockConfigurationAsync(new PutObjectLockConfigurationRequest
        {
            BucketName = bucket,
            ObjectLockConfiguration = new ObjectLockConfiguration
            {
                ObjectLockEnabled = ObjectLockEnabled.Enabled,
                Rule = new ObjectLockRule { DefaultRetention = new DefaultRetention { Mode = ObjectLockRetentionMode.Compliance, Days = 1 } },
            },
        });
    }

    private static void Check(string operation, string body, List<string> violations)
    {
        lock (violations)
        {
            violations.AddRange(SsmModel.Value.Validate(operation, JsonDocument.Parse(body).RootElement).Select(v => $"{operation}: {v}"));
        }
    }

    private static async Task<string> RunScriptAsync(string url, string maxBytes, string label, string writableDirectory)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(RepositoryRoot.Path, "evidence", "collect-evidence.sh"), url, maxBytes, label, writableDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await stdout;
    }
}
