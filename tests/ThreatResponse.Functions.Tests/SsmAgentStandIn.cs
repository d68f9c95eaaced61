using System.Text.Json;
using ThreatResponse.Testing;

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

    /// <param name="whenCommandRuns">Called once per command as the agent starts it, before the script runs: to see the instance as the command finds it.</param>
    public static void Play(FunctionWorld world, string instanceId, string writableDirectory, List<string> violations, bool online = true, bool registered = true, Func<Task>? whenCommandRuns = null)
    {
        world.AwsProxy.Inject(c => c.Operation == "DescribeInstanceInformation", new ProxyFault.Respond(call =>
        {
            Check("DescribeInstanceInformation", call.Body, violations);
            var list = registered
                ? $$"""[{"InstanceId":"{{instanceId}}","PingStatus":"{{(online ? "Online" : "ConnectionLost")}}","PlatformType":"Linux","PlatformName":"Amazon Linux"}]"""
                : "[]";
            return Task.FromResult((200, $$"""{"InstanceInformationList":{{list}}}"""));
        }));

        // One run per command: a later collection (a retry, another click) runs the script again.
        var ran = new System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>>(StringComparer.Ordinal);
        world.AwsProxy.Inject(c => c.Operation == "GetCommandInvocation", new ProxyFault.Respond(async call =>
        {
            Check("GetCommandInvocation", call.Body, violations);
            var send = JsonDocument.Parse(world.AwsProxy.Calls.Last(c => c.Operation == "SendCommand").Body).RootElement;
            var parameters = send.GetProperty("Parameters");
            string Parameter(string name) => parameters.GetProperty(name)[0].GetString()!;
            var commandId = JsonDocument.Parse(call.Body).RootElement.GetProperty("CommandId").GetString()!;
            var stdout = await ran.GetOrAdd(commandId, _ => new Lazy<Task<string>>(() => RunAsync(Parameter("uploadUrl"), Parameter("maxBytes"), Parameter("label")))).Value;
            return (200, JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["CommandId"] = commandId,
                ["InstanceId"] = instanceId,
                ["DocumentName"] = "ThreatResponse-CollectEvidence",
                ["Status"] = "Success",
                ["ResponseCode"] = 0,
                ["StandardOutputContent"] = stdout,
            }));
        }));

        async Task<string> RunAsync(string uploadUrl, string maxBytes, string label)
        {
            if (whenCommandRuns is not null)
            {
                await whenCommandRuns();
            }

            return (await EvidenceScene.RunScriptAsync(uploadUrl, maxBytes, label, writableDirectory)).Stdout;
        }
    }

    private static void Check(string operation, string body, List<string> violations)
    {
        lock (violations)
        {
            violations.AddRange(SsmModel.Value.Validate(operation, JsonDocument.Parse(body).RootElement).Select(v => $"{operation}: {v}"));
        }
    }
}
