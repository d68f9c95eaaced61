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

    /// <summary>Where each event goes with the template's defaults; an event not named here reaches no function.</summary>
    private static readonly Dictionary<string, string?> DefaultRoutes = new(StringComparer.Ordinal)
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

    [Fact]
    public async Task Rules_AllSharedAndProjectEvents_RouteOnlyWhereTheyShould()
    {
        // The template's defaults (threshold 4, no V2 findings) in the test account.
        var routed = await RouteAsync(new Dictionary<string, string>());

        AssertRouted(DefaultRoutes, routed);
        // The documented matcher the V2 rule is checked with agrees with moto's EventBridge wherever moto can match.
        Assert.Equal(routed.OrderBy(r => r.Key, StringComparer.Ordinal), (await RouteByDocumentedRulesAsync(new Dictionary<string, string>())).OrderBy(r => r.Key, StringComparer.Ordinal));
    }

    /// <summary>
    /// With the optional V2 rule on, the new Security Hub's GuardDuty findings naming an EC2 instance at or above the
    /// chosen severity reach GuardDutyResponder too; its other findings (CSPM controls, GuardDuty findings about access
    /// keys) reach nothing. Everything else routes as without it. Matched by EventBridge's documented rules: the rule
    /// looks into <c>detail.findings[]</c>, an array of objects, which moto_server does not match into.
    /// </summary>
    [Theory]
    [InlineData("Medium")]
    [InlineData("High")]
    public async Task Rules_SecurityHubV2FindingsOn_GuardDutyEc2FindingsAtTheSeverityReachGuardDutyResponder(string severity)
    {
        var routed = await RouteByDocumentedRulesAsync(new Dictionary<string, string> { ["SecurityHubV2Findings"] = severity });

        var expected = new Dictionary<string, string?>(DefaultRoutes, StringComparer.Ordinal)
        {
            ["events/securityhub-v2-guardduty-backdoor-web-instance.json"] = "GuardDutyResponder", // High
            ["securityhub-imported-v2/securityhub-v2-guardduty-runtime-newbinaryexecuted-ec2-instance-wrapped.json"] = severity == "Medium" ? "GuardDutyResponder" : null,
        };
        AssertRouted(expected, routed);
    }

    /// <summary>
    /// The V2 rule matches the provider's severity (<c>vendor_attributes.severity_id</c>), not the top-level
    /// <c>severity_id</c> that <c>BatchUpdateFindingsV2</c> rewrites: a High GuardDuty finding an analyst lowered still
    /// arrives at <c>High</c>, a Medium one raised to Critical does not. By EventBridge's documented matching.
    /// </summary>
    [Theory]
    [InlineData(4, 1, true)]
    [InlineData(3, 5, false)]
    [InlineData(4, 4, true)]
    [InlineData(3, 3, false)]
    public async Task V2Rule_SeverityIdUpdatedByAnAnalyst_RoutedByTheProvidersSeverity(int provider, int updated, bool routed)
    {
        var deployed = CloudFormationRenderer.Render(await SamTemplate.TranslatedAsync(),
            new StackDeployment("threat-response", EveryRule(new Dictionary<string, string> { ["SecurityHubV2Findings"] = "High" }), Account, MotoServerFixture.DefaultRegion));
        var pattern = deployed.Resources["SecurityHubV2FindingRule"].Properties["EventPattern"]!;
        pattern = pattern is JsonValue text ? JsonNode.Parse(text.GetValue<string>())! : pattern;
        var @event = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "events", "securityhub-v2-guardduty-backdoor-web-instance.json")))!;
        var finding = @event["detail"]!["findings"]![0]!;
        finding["vendor_attributes"]!["severity_id"] = provider;
        finding["severity_id"] = updated;

        Assert.Equal(routed, EventPatternMatcher.Matches(pattern, @event));
    }

    private static void AssertRouted(Dictionary<string, string?> expected, Dictionary<string, string?> routed)
    {
        foreach (var (name, function) in routed)
        {
            Assert.True(expected.GetValueOrDefault(name) == function, $"{name}: expected {expected.GetValueOrDefault(name) ?? "no function"}, reached {function ?? "no function"}");
        }
    }

    /// <summary>Which function each corpus and project event reaches by <see cref="EventPatternMatcher"/>: EventBridge's documented matching.</summary>
    private static async Task<Dictionary<string, string?>> RouteByDocumentedRulesAsync(Dictionary<string, string> parameters)
    {
        var deployed = CloudFormationRenderer.Render(await SamTemplate.TranslatedAsync(), new StackDeployment("threat-response", EveryRule(parameters), Account, MotoServerFixture.DefaultRegion));
        var rules = new List<(JsonNode Pattern, string Function)>();
        foreach (var (ruleId, rule) in await SamTemplate.ResourcesAsync("AWS::Events::Rule"))
        {
            if (deployed.Resources.TryGetValue(ruleId, out var created))
            {
                Assert.Empty(EventPatternRules.Violations(created.Properties["EventPattern"]));
                rules.Add((created.Properties["EventPattern"]!, rule["Properties"]!["Targets"]![0]!["Arn"]!["Fn::GetAtt"]![0]!.GetValue<string>()));
            }
        }

        var routed = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, path) in Cases())
        {
            var @event = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
            var receivers = rules.Where(r => EventPatternMatcher.Matches(r.Pattern, @event)).Select(r => r.Function).ToList();
            Assert.True(receivers.Count <= 1, $"{name} reached {string.Join(", ", receivers)}");
            routed[name] = receivers.SingleOrDefault();
        }

        return routed;
    }

    /// <summary>The parameters with every optional custom action deployed (the "Isolate + revoke" action's only with EnableRevokeSessions).</summary>
    private static Dictionary<string, string> EveryRule(Dictionary<string, string> parameters) =>
        new(parameters, StringComparer.Ordinal) { ["EnableRevokeSessions"] = "true" };

    private static IEnumerable<(string Name, string Path)> Cases() =>
        EventCorpus.All().Select(f => (Name: f, Path: EventCorpus.PathOf(f)))
            .Concat(Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "events"), "*.json").Select(p => (Name: "events/" + Path.GetFileName(p), Path: p)));

    /// <summary>Every corpus and project event through the rules as CloudFormation would deploy them with <paramref name="parameters"/>: which function each reached.</summary>
    private async Task<Dictionary<string, string?>> RouteAsync(Dictionary<string, string> parameters)
    {
        var template = await SamTemplate.TranslatedAsync();
        var deployed = CloudFormationRenderer.Render(template, new StackDeployment("threat-response", EveryRule(parameters), Account, MotoServerFixture.DefaultRegion));
        using var sqs = new AmazonSQSClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonSQSConfig()));
        var events = new AwsSignedHttpClient(new HttpClient(), Moto.Endpoint, "events", MotoServerFixture.DefaultRegion, _ => Task.FromResult(MotoServerFixture.Credentials));
        var queues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (ruleId, rule) in await SamTemplate.ResourcesAsync("AWS::Events::Rule"))
        {
            if (!deployed.Resources.ContainsKey(ruleId))
            {
                continue; // not created with these parameters
            }

            var function = rule["Properties"]!["Targets"]![0]!["Arn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
            var rendered = deployed.Resources[ruleId].Properties["EventPattern"]!;
            var pattern = rendered is JsonValue text ? JsonNode.Parse(text.GetValue<string>())! : rendered;
            var queueUrl = (await sqs.CreateQueueAsync(function)).QueueUrl;
            var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
            await CallAsync(events, "PutRule", new JsonObject { ["Name"] = ruleId, ["EventPattern"] = pattern.ToJsonString() });
            await CallAsync(events, "PutTargets", new JsonObject { ["Rule"] = ruleId, ["Targets"] = new JsonArray(new JsonObject { ["Id"] = "queue", ["Arn"] = queueArn }) });
            queues[function] = queueUrl;
        }

        var cases = Cases();
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

        return routed;
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
