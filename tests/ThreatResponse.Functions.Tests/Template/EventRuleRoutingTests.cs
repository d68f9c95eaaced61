using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using ThreatResponse.Aws.Http;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// The translated template's EventBridge rules, loaded into moto_server's EventBridge with an SQS queue as each one's
/// target, receive exactly the events they should: high-severity GuardDuty EC2 findings to GuardDutyResponder only,
/// custom-action events only to the function of their action, EC2's termination events to InstanceTerminatedResponder,
/// and nothing else.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class EventRuleRoutingTests(MotoServerFixture moto) : MotoTest(moto)
{
    private const string Account = MotoServerFixture.DefaultAccount;

    [Fact]
    public async Task Rules_AllSharedAndProjectEvents_RouteOnlyWhereTheyShould()
    {
        var template = await SamTemplate.TranslatedAsync();
        // The patterns as CloudFormation hands them to EventBridge, with the template's defaults (threshold 4) in the test
        // account, and every rule deployed (the "Isolate + revoke" action's only with EnableRevokeSessions).
        var deployed = CloudFormationRenderer.Render(template, new StackDeployment("threat-response", new Dictionary<string, string> { ["EnableRevokeSessions"] = "true" }, Account, MotoServerFixture.DefaultRegion));
        using var sqs = new AmazonSQSClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonSQSConfig()));
        var events = new AwsSignedHttpClient(new HttpClient(), Moto.Endpoint, "events", MotoServerFixture.DefaultRegion, _ => Task.FromResult(MotoServerFixture.Credentials));
        var queues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (ruleId, rule) in await SamTemplate.ResourcesAsync("AWS::Events::Rule"))
        {
            var function = rule["Properties"]!["Targets"]![0]!["Arn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
            var rendered = deployed.Resources[ruleId].Properties["EventPattern"]!;
            var pattern = rendered is JsonValue text ? JsonNode.Parse(text.GetValue<string>())! : rendered;
            var queueUrl = (await sqs.CreateQueueAsync(function)).QueueUrl;
            var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
            await CallAsync(events, "PutRule", new JsonObject { ["Name"] = ruleId, ["EventPattern"] = pattern.ToJsonString() });
            await CallAsync(events, "PutTargets", new JsonObject { ["Rule"] = ruleId, ["Targets"] = new JsonArray(new JsonObject { ["Id"] = "queue", ["Arn"] = queueArn }) });
            queues[function] = queueUrl;
        }

        var expected = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // Shared EC2 findings at the default threshold (4) or above; the playbook, not the rule, declines sample findings.
            ["guardduty/guardduty-ec2-backdoor-c2activity-b-dns-sample.json"] = "GuardDutyResponder",
            ["guardduty/guardduty-ec2-backdoor-denialofservice-tcp-sample.json"] = "GuardDutyResponder",
            ["guardduty/guardduty-ec2-canary-stateless-integtest.json"] = "GuardDutyResponder",
            ["guardduty/guardduty-ec2-trojan-blackholetraffic-dns-sample.json"] = "GuardDutyResponder",
            // An attack sequence (of any kind: the intake tells EC2 ones from others) and stolen instance credentials.
            ["guardduty/guardduty-attacksequence-iam-compromisedcredentials-wrapped.json"] = "GuardDutyResponder",
            ["guardduty/guardduty-attacksequence-ec2-compromisedinstancegroup-constructed.json"] = "GuardDutyResponder",
            ["guardduty/guardduty-iamuser-instancecredentialexfiltration-outsideaws-sample-wrapped.json"] = "GuardDutyResponder",
            ["events/guardduty-backdoor-c2-web-instance.json"] = "GuardDutyResponder",
            ["events/securityhub-custom-action-isolate-web-instance.json"] = "IsolateInstanceAction",
            ["events/securityhub-custom-action-release-web-instance.json"] = "ReleaseInstanceAction",
            ["events/ec2-instance-terminated.json"] = "InstanceTerminatedResponder",
        };
        var cases = EventCorpus.All().Select(f => (Name: f, Path: EventCorpus.PathOf(f)))
            .Concat(Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "events"), "*.json").Select(p => (Name: "events/" + Path.GetFileName(p), Path: p)));

        var routed = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, path) in cases)
        {
            var @event = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
            var entry = new JsonObject
            {
                ["Source"] = @event["source"]!.GetValue<string>(),
                ["DetailType"] = @event["detail-type"]!.GetValue<string>(),
                ["Detail"] = @event["detail"]!.ToJsonString(),
                ["Resources"] = @event["resources"]!.DeepClone(),
            };
            var result = await CallAsync(events, "PutEvents", new JsonObject { ["Entries"] = new JsonArray(entry) });
            Assert.Equal(0, result.RootElement.GetProperty("FailedEntryCount").GetInt32());

            var receivers = new List<string>();
            foreach (var (function, queueUrl) in queues)
            {
                var messages = (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10 })).Messages ?? [];
                foreach (var message in messages)
                {
                    await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
                }

                receivers.AddRange(messages.Select(_ => function));
            }

            Assert.True(receivers.Count <= 1, $"{name} reached {string.Join(", ", receivers)}");
            routed[name] = receivers.SingleOrDefault();
        }

        foreach (var (name, function) in routed)
        {
            Assert.True(expected.GetValueOrDefault(name) == function, $"{name}: expected {expected.GetValueOrDefault(name) ?? "no function"}, reached {function ?? "no function"}");
        }
    }

    private static async Task<JsonDocument> CallAsync(AwsSignedHttpClient events, string operation, JsonObject body)
    {
        var response = await events.SendAsync(
            new AwsHttpRequest(operation, HttpMethod.Post, "/", Encoding.UTF8.GetBytes(body.ToJsonString()), "application/x-amz-json-1.1",
                new Dictionary<string, string> { ["X-Amz-Target"] = $"AWSEvents.{operation}" }),
            CancellationToken.None);
        return JsonDocument.Parse(response.Body);
    }
}
