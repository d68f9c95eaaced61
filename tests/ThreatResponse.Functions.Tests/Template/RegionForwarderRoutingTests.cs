using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using ThreatResponse.Aws.Http;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// A GuardDuty finding of another Region, through templates/region-forwarder.yaml and the stack's GuardDuty rule, to
/// GuardDutyResponder, which contains the instance in that Region: both rules as rendered from their templates, loaded
/// into moto_server's EventBridge, the forwarder's in the finding's Region with the stack Region's default bus as its
/// target, the stack's in the stack's Region with an SQS queue standing for the function.
/// <para>
/// moto delivers to an event bus in another Region (and account): it puts the event again on that bus, with the source,
/// detail-type and detail unchanged. Unlike EventBridge it gives the re-put event the receiving Region as its
/// <c>region</c>, a new <c>id</c> and <c>time</c>, and no <c>resources</c>; and what it sends to an SQS queue, forwarded
/// or not, has no <c>account</c>. EventBridge keeps a forwarded event's source, account and Region, so the tests restore
/// those two fields before invoking the function: the event as Lambda receives it.
/// </para>
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class RegionForwarderRoutingTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private const string Account = RegionForwarderTemplateTests.Account;
    private const string SecurityRegion = RegionForwarderTemplateTests.SecurityRegion;
    private const string OtherRegion = RegionForwarderTemplateTests.OtherRegion;

    [Fact]
    public async Task Forwarder_EveryEventInAnotherRegion_ReachesGuardDutyResponderExactlyWhenItWouldInTheStacksRegion()
    {
        var routes = await DeployAsync();
        var cases = EventCorpus.All().Select(f => (Name: f, Path: EventCorpus.PathOf(f)))
            .Concat(Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "events"), "*.json").Order(StringComparer.Ordinal).Select(p => (Name: "events/" + Path.GetFileName(p), Path: p)))
            .ToList();

        var forwarded = new List<string>();
        var heardDirectly = new List<string>();
        var heardForwarded = new List<string>();
        foreach (var (name, path) in cases)
        {
            var @event = JsonNode.Parse(await File.ReadAllTextAsync(path))!;

            await routes.PutAsync(SecurityRegion, @event);
            var direct = await routes.ReceiveAsync(routes.ResponderQueue);
            await routes.PutAsync(OtherRegion, InRegion(@event, OtherRegion));
            var sent = await routes.ReceiveAsync(routes.ForwardedQueue);
            var heard = await routes.ReceiveAsync(routes.ResponderQueue);

            Assert.True(sent.Count <= 1 && direct.Count <= 1 && heard.Count <= 1, $"{name}: duplicated ({sent.Count} forwarded, {direct.Count} heard directly, {heard.Count} heard forwarded)");
            Assert.True(direct.Count == heard.Count, $"{name}: {(direct.Count == 1 ? "heard in the stack's Region but not from another" : "heard from another Region but not in the stack's")}");
            if (sent.Count == 1)
            {
                forwarded.Add(name);
            }

            if (direct.Count == 1)
            {
                heardDirectly.Add(name);
            }

            if (heard.Count == 1)
            {
                heardForwarded.Add(name);

                // The detail as the finding's Region had it: the finding's own Region and ARN, not the stack's.
                Assert.True(JsonNode.DeepEquals(InRegion(@event, OtherRegion)["detail"], heard[0]["detail"]), name);
            }
        }

        // Every GuardDuty finding about an instance, attack sequence or stolen instance credentials leaves its Region;
        // only the threshold, in the stack's Region, drops some.
        var instanceFindings = cases.Where(c => JsonNode.Parse(File.ReadAllText(c.Path)) is var e
                && e!["source"]!.GetValue<string>() == "aws.guardduty"
                && (e["detail"]!["resource"]?["resourceType"]?.GetValue<string>() is "Instance" or "AttackSequence"
                    || e["detail"]!["type"]!.GetValue<string>().StartsWith("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.", StringComparison.Ordinal)))
            .Select(c => c.Name).ToList();
        Assert.Equal(instanceFindings, forwarded);
        Assert.Equal(heardDirectly, heardForwarded);
        Assert.Contains("events/guardduty-backdoor-c2-web-instance.json", heardForwarded);
        Assert.Contains("guardduty/guardduty-ec2-ssh-bruteforce.json", forwarded.Except(heardForwarded));
    }

    [Fact]
    public async Task ForwardedFinding_FromAnotherRegion_IsolatesTheInstanceInItsRegionAndNotesTheFindingThere()
    {
        var routes = await DeployAsync();
        using var ec2 = Moto.CreateEc2Client(OtherRegion);
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var @event = InRegion(FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId), OtherRegion);

        await routes.PutAsync(OtherRegion, @event);
        var delivered = Assert.Single(await routes.ReceiveAsync(routes.ResponderQueue));
        Assert.Equal("aws.guardduty", delivered["source"]!.GetValue<string>());
        Assert.Equal("GuardDuty Finding", delivered["detail-type"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(@event["detail"], delivered["detail"]));

        // moto re-stamps the envelope's Region with the receiving one and drops the account; whichever Region the
        // envelope names, the finding is noted where GuardDuty put it (its own Region). The account is put back as AWS keeps it.
        Assert.Equal(SecurityRegion, delivered["region"]!.GetValue<string>());
        delivered["account"] = Account;
        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(FunctionWorld.Handler("GuardDutyResponder", runtime), delivered);

        FunctionWorld.AssertOutcome("succeeded", output);
        var eni = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0];
        var isolation = Assert.Single(eni.Groups);
        Assert.Equal("threat-response-isolation", isolation.GroupName);
        Assert.Equal(scene.VpcId, (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [isolation.GroupId] })).SecurityGroups[0].VpcId);
        using var home = Moto.CreateEc2Client(SecurityRegion);
        Assert.DoesNotContain((await home.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest())).SecurityGroups, g => g.GroupName == "threat-response-isolation");

        // Noted where the finding lives: Security Hub in its own Region (replicated to an aggregation Region from there).
        var findingId = output.RootElement.GetProperty("findings")[0].GetProperty("id").GetString()!;
        Assert.StartsWith($"arn:aws:guardduty:{OtherRegion}:", findingId, StringComparison.Ordinal);
        var update = World.SecurityHub.Finding(findingId);
        Assert.NotNull(update);
        Assert.Equal($"arn:aws:securityhub:{OtherRegion}::product/aws/guardduty", update.ProductArn);
        Assert.Equal(OtherRegion, update.Region);
        Assert.Empty(World.SecurityHub.Violations);
        Assert.Single(await World.NotificationsAsync());
    }

    /// <summary>
    /// A GuardDuty event as it would be in <paramref name="region"/>: the envelope's Region, the finding's Region, ARN and
    /// Availability Zone. Other events only change the envelope's Region.
    /// </summary>
    private static JsonNode InRegion(JsonNode @event, string region)
    {
        var moved = @event.DeepClone();
        var from = moved["region"]!.GetValue<string>();
        moved["region"] = region;
        if (moved["source"]!.GetValue<string>() != "aws.guardduty" || moved["detail"] is not JsonObject detail)
        {
            return moved;
        }

        detail["region"] = region;
        var arn = detail["arn"]!.GetValue<string>().Split(':');
        Assert.Equal(from, arn[3]);
        arn[3] = region;
        detail["arn"] = string.Join(':', arn);
        if (detail["resource"]?["instanceDetails"]?["availabilityZone"] is JsonValue zone && zone.GetValue<string>().StartsWith(from, StringComparison.Ordinal))
        {
            detail["resource"]!["instanceDetails"]!["availabilityZone"] = region + zone.GetValue<string>()[from.Length..];
        }

        return moved;
    }

    /// <summary>
    /// The stack's GuardDuty rule in the stack's Region (target: a queue for GuardDutyResponder) and the forwarder's rule
    /// in the other Region with its target as rendered (the stack Region's bus, with the role), plus a queue that shows
    /// what it forwards.
    /// </summary>
    private async Task<Routes> DeployAsync()
    {
        var routes = new Routes(Moto);
        var stackPattern = await RegionForwarderTemplateTests.StackGuardDutyPatternAsync();
        routes.ResponderQueue = await routes.RuleToQueueAsync(SecurityRegion, "GuardDutyFindingRule", stackPattern, "GuardDutyResponder");

        var forwarder = Assert.Single((await RegionForwarderTemplateTests.ForwarderInAsync(OtherRegion)).OfType("AWS::Events::Rule"));
        var target = Assert.Single(forwarder.Properties["Targets"]!.AsArray())!;
        routes.ForwardedQueue = await routes.RuleToQueueAsync(OtherRegion, forwarder.LogicalId, forwarder.Properties["EventPattern"]!, "forwarded", target.DeepClone());
        return routes;
    }

    private sealed class Routes(MotoServerFixture moto)
    {
        public (string Region, string Url) ResponderQueue { get; set; }

        public (string Region, string Url) ForwardedQueue { get; set; }

        public async Task<(string Region, string Url)> RuleToQueueAsync(string region, string rule, JsonNode pattern, string queue, JsonNode? otherTarget = null)
        {
            using var sqs = Sqs(region);
            var queueUrl = (await sqs.CreateQueueAsync(queue)).QueueUrl;
            var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
            await CallAsync(region, "PutRule", new JsonObject { ["Name"] = rule, ["EventPattern"] = pattern.ToJsonString() });
            var targets = new JsonArray(new JsonObject { ["Id"] = "queue", ["Arn"] = queueArn });
            if (otherTarget is not null)
            {
                targets.Add(otherTarget);
            }

            var added = await CallAsync(region, "PutTargets", new JsonObject { ["Rule"] = rule, ["Targets"] = targets });
            Assert.Equal(0, added.RootElement.GetProperty("FailedEntryCount").GetInt32());
            return (region, queueUrl);
        }

        /// <summary>Puts an event on the default bus of <paramref name="region"/>, as its source would.</summary>
        public async Task PutAsync(string region, JsonNode @event)
        {
            var entry = new JsonObject
            {
                ["Source"] = @event["source"]!.GetValue<string>(),
                ["DetailType"] = @event["detail-type"]!.GetValue<string>(),
                ["Detail"] = @event["detail"]!.ToJsonString(),
                ["Resources"] = @event["resources"]!.DeepClone(),
            };
            var result = await CallAsync(region, "PutEvents", new JsonObject { ["Entries"] = new JsonArray(entry) });
            Assert.Equal(0, result.RootElement.GetProperty("FailedEntryCount").GetInt32());
        }

        /// <summary>Takes every event waiting in a queue.</summary>
        public async Task<List<JsonNode>> ReceiveAsync((string Region, string Url) queue)
        {
            using var sqs = Sqs(queue.Region);
            var events = new List<JsonNode>();
            while ((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue.Url, MaxNumberOfMessages = 10 })).Messages is { Count: > 0 } messages)
            {
                foreach (var message in messages)
                {
                    events.Add(JsonNode.Parse(message.Body)!);
                    await sqs.DeleteMessageAsync(queue.Url, message.ReceiptHandle);
                }
            }

            return events;
        }

        private AmazonSQSClient Sqs(string region) => new(MotoServerFixture.Credentials, moto.Configure(new AmazonSQSConfig(), region));

        private async Task<JsonDocument> CallAsync(string region, string operation, JsonObject body)
        {
            using var http = new HttpClient();
            var events = new AwsSignedHttpClient(http, moto.Endpoint, "events", region, _ => Task.FromResult(MotoServerFixture.Credentials));
            var response = await events.SendAsync(
                new AwsHttpRequest(operation, HttpMethod.Post, "/", Encoding.UTF8.GetBytes(body.ToJsonString()), "application/x-amz-json-1.1",
                    new Dictionary<string, string> { ["X-Amz-Target"] = $"AWSEvents.{operation}" }),
                CancellationToken.None);
            return JsonDocument.Parse(response.Body);
        }
    }
}
