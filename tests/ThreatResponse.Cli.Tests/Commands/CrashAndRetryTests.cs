using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Cli.Tests.Commands;

/// <summary>
/// GuardDutyResponder run as Lambda runs it (<c>threat-response invoke</c> in its own process, the ledger in moto's
/// DynamoDB) and killed — SIGKILL, as a timeout, an out-of-memory or a lost host would end it — at each boundary of a
/// response; then the same event delivered again, as Lambda's retries do. Every run must end with the instance
/// contained once: one snapshot set, one notification of the containment, the finding noted, no ENI left in the
/// all-open conversion group, and the saved state the instance's real one.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class CrashAndRetryTests(MotoServerFixture moto) : MotoTest(moto)
{
    private const string Table = "threat-response-ledger";

    /// <summary>Where the process dies: the AWS request it is about to send (never sent), and which one of its kind.</summary>
    public static TheoryData<string, string, string, string?, int> Boundaries() => new()
    {
        { "after the claim", "dynamodb", "PutItem", "isolation-state", 1 },
        { "after saving the state", "ec2", "ModifyNetworkInterfaceAttribute", null, 1 },
        { "between the group changes", "ec2", "ModifyNetworkInterfaceAttribute", null, 3 },
        { "after the ACL entries and credentials", "dynamodb", "PutItem", "isolation-state", 2 },
        { "after the finding update", "sns", "Publish", null, 1 },
        { "after the notification", "dynamodb", "UpdateItem", "completedAt", 1 },
    };

    [Theory]
    [MemberData(nameof(Boundaries))]
    public async Task GuardDutyResponder_KilledAtABoundary_RedeliveredAfterTheClaimLifetime_ContainedOnce(string boundary, string service, string operation, string? bodyHas, int nth)
    {
        await using var world = await CrashWorld.CreateAsync(Moto);
        var killed = world.KillAt(c => c.Service == service && c.Operation == operation && (bodyHas is null || c.Body.Contains(bodyHas, StringComparison.Ordinal)), nth);

        var first = await world.InvokeAsync();

        Assert.True(killed.IsSet, $"{boundary}: the process was not killed (exit {first.Exit}): {first.Stderr}");
        Assert.NotEqual(0, first.Exit);
        if (boundary == "between the group changes")
        {
            // The death this boundary is about: an ENI left in the all-open conversion group until the retry.
            Assert.Contains(await world.EniGroupNamesAsync(), names => names.SequenceEqual(["threat-response-conversion"]));
        }

        // Lambda's second retry comes about three minutes after the first attempt, past the claim's lifetime.
        await world.AgeClaimAsync(TimeSpan.FromSeconds(151));
        var retry = await world.InvokeAsync();

        Assert.True(retry.Exit == 0, $"{boundary}: {retry.Stderr}");
        await world.AssertContainedOnceAsync(boundary, notifications: boundary == "after the notification" ? 2 : 1);

        // Any later delivery of the same event: nothing done, nothing said.
        var again = await world.InvokeAsync();
        Assert.True(again.Exit == 0, again.Stderr);
        Assert.Equal("repeated", JsonDocument.Parse(again.Stdout).RootElement.GetProperty("outcome").GetString());
        Assert.Empty(await world.NotificationsAsync());
    }

    [Fact]
    public async Task GuardDutyResponder_KilledAfterItsClaim_RetryWithinAMinuteFailsAndSaysSo_LaterRetryContains()
    {
        await using var world = await CrashWorld.CreateAsync(Moto);
        var killed = world.KillAt(c => c.Service == "dynamodb" && c.Operation == "PutItem" && c.Body.Contains("isolation-state", StringComparison.Ordinal), 1);
        var first = await world.InvokeAsync();
        Assert.True(killed.IsSet, $"the process was not killed after its claim (exit {first.Exit}): {first.Stderr}");
        var status = (await world.LedgerItemAsync())["status"].S;
        Assert.True(status == "in-progress", $"the dead invocation's claim is {status}, expected in-progress");

        // Lambda's first retry, about a minute later: the claim is young, so the delivery fails (Lambda will retry it,
        // and keep it in the on-failure queue if every retry fails) and says so; nothing is changed.
        var early = await world.InvokeAsync();

        Assert.True(early.Exit == 1, $"the early retry exited {early.Exit}, expected 1 (claim held elsewhere): {early.Stderr}");
        Assert.Contains("another invocation", early.Stderr, StringComparison.Ordinal);
        var delayed = Assert.Single(await world.NotificationsAsync());
        Assert.StartsWith("[ThreatResponse] Delayed:", delayed.GetProperty("Subject").GetString(), StringComparison.Ordinal);
        Assert.Contains("on-failure queue", delayed.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.All(await world.EniGroupNamesAsync(), names => Assert.DoesNotContain(names, n => n.StartsWith("threat-response-", StringComparison.Ordinal)));

        await world.AgeClaimAsync(TimeSpan.FromSeconds(151));
        var later = await world.InvokeAsync();

        Assert.True(later.Exit == 0, later.Stderr);
        await world.AssertContainedOnceAsync("after the claim", notifications: 1);
    }

    /// <summary>One scene, ledger, topic and Security Hub stand-in, and a proxy in front of moto that can kill the function's process.</summary>
    private sealed class CrashWorld : IAsyncDisposable
    {
        private readonly MotoServerFixture _moto;
        private readonly RecordingProxy _proxy;
        private readonly SecurityHubModelEndpoint _securityHub = new();
        private readonly Amazon.EC2.AmazonEC2Client _ec2;
        private readonly AmazonDynamoDBClient _dynamoDb;
        private readonly AmazonSQSClient _sqs;
        private readonly string _eventFile = Path.Combine(Path.GetTempPath(), $"tr-crash-{Guid.NewGuid():N}.json");
        private Process? _running;

        private CrashWorld(MotoServerFixture moto)
        {
            _moto = moto;
            _proxy = new RecordingProxy(moto.Endpoint);
            _proxy.OneAtATime.Add("dynamodb");
            _ec2 = moto.CreateEc2Client();
            _dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, moto.Configure(new AmazonDynamoDBConfig()));
            _sqs = new AmazonSQSClient(MotoServerFixture.Credentials, moto.Configure(new AmazonSQSConfig()));
        }

        public DemoScene Scene { get; private set; } = null!;

        public string FindingId { get; private set; } = string.Empty;

        private string TopicArn { get; set; } = string.Empty;

        private string QueueUrl { get; set; } = string.Empty;

        public static async Task<CrashWorld> CreateAsync(MotoServerFixture moto)
        {
            var world = new CrashWorld(moto);
            await LedgerTable.CreateAsync(world._dynamoDb, Table);
            world.Scene = await Ec2Scene.CreateAsync(moto, world._ec2);
            world.TopicArn = await MotoSns.CreateTopicAsync(moto, "threat-response");
            world.QueueUrl = (await world._sqs.CreateQueueAsync("on-call")).QueueUrl;
            await MotoSns.SubscribeQueueAsync(moto, world.TopicArn, (await world._sqs.GetQueueAttributesAsync(world.QueueUrl, ["QueueArn"])).QueueARN);
            var text = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "events", "guardduty-backdoor-c2-web-instance.json"));
            await File.WriteAllTextAsync(world._eventFile, text.Replace("i-0a1b2c3d4e5f60718", world.Scene.InstanceId, StringComparison.Ordinal));
            world.FindingId = JsonDocument.Parse(text).RootElement.GetProperty("detail").GetProperty("arn").GetString()!;
            return world;
        }

        /// <summary>Kills the function's process when it is about to send the <paramref name="nth"/> request matching.</summary>
        public ManualResetEventSlim KillAt(Func<ObservedCall, bool> matches, int nth)
        {
            var killed = new ManualResetEventSlim();
            var seen = 0;
            _proxy.Inject(c => matches(c) && Interlocked.Increment(ref seen) == nth, new ProxyFault.Kill(() =>
            {
                _running?.Kill(entireProcessTree: true);
                killed.Set();
            }), times: 1);
            return killed;
        }

        public async Task<(int Exit, string Stdout, string Stderr)> InvokeAsync()
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot.Path, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "threat-response.dll"), "invoke", "GuardDutyResponder", "--event", _eventFile })
            {
                start.ArgumentList.Add(arg);
            }

            var environment = new Dictionary<string, string>
            {
                ["AWS_ENDPOINT_URL"] = _proxy.Endpoint.ToString(),
                ["AWS_ENDPOINT_URL_SECURITYHUB"] = _securityHub.Endpoint.ToString(),
                ["AWS_REGION"] = MotoServerFixture.DefaultRegion,
                ["AWS_ACCESS_KEY_ID"] = "testing",
                ["AWS_SECRET_ACCESS_KEY"] = "testing",
                ["HOME_ACCOUNT_ID"] = MotoServerFixture.DefaultAccount,
                ["MEMBER_ROLE_NAME"] = "ThreatResponseMember",
                ["NOTIFICATION_TOPIC_ARN"] = TopicArn,
                ["LEDGER_TABLE_NAME"] = Table,
                ["AUTO_RESPONSE_MODE"] = "enforce",
                ["CLAIM_WAIT_SECONDS"] = "1",
            };
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            using var process = Process.Start(start)!;
            _running = process;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            _running = null;
            return (process.ExitCode, await stdout, await stderr);
        }

        /// <summary>Moves the claim's time back, as the minutes to Lambda's next retry would.</summary>
        public async Task AgeClaimAsync(TimeSpan by) => await _dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = LedgerKey(),
            UpdateExpression = "SET claimedAt = claimedAt - :by",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":by"] = new() { N = ((long)by.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        });

        public async Task<Dictionary<string, AttributeValue>> LedgerItemAsync() =>
            (await _dynamoDb.GetItemAsync(new GetItemRequest { TableName = Table, Key = LedgerKey(), ConsistentRead = true })).Item;

        private Dictionary<string, AttributeValue> LedgerKey() => new()
        {
            ["pk"] = new($"finding#{FindingId}"),
            ["sk"] = new($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{Scene.InstanceId}"),
        };

        public async Task<List<List<string>>> EniGroupNamesAsync() =>
            [.. (await _ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [Scene.PrimaryEniId, Scene.SecondaryEniId] }))
                .NetworkInterfaces.Select(n => n.Groups.Select(g => g.GroupName).ToList())];

        public async Task<List<JsonElement>> NotificationsAsync()
        {
            var messages = new List<JsonElement>();
            while ((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = QueueUrl, MaxNumberOfMessages = 10 })).Messages is { Count: > 0 } batch)
            {
                foreach (var message in batch)
                {
                    messages.Add(JsonDocument.Parse(message.Body).RootElement.Clone());
                    await _sqs.DeleteMessageAsync(QueueUrl, message.ReceiptHandle);
                }
            }

            return messages;
        }

        public async Task AssertContainedOnceAsync(string boundary, int notifications)
        {
            Assert.All(await EniGroupNamesAsync(), names => Assert.Equal(["threat-response-isolation"], names));

            var volumes = (await _ec2.DescribeVolumesAsync(new DescribeVolumesRequest { Filters = [new Filter("attachment.instance-id", [Scene.InstanceId])] })).Volumes.Count;
            var snapshots = (await _ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Filter("tag:ThreatResponse:InstanceId", [Scene.InstanceId])] })).Snapshots ?? [];
            Assert.True(snapshots.Count == volumes, $"{boundary}: {snapshots.Count} snapshots of {volumes} volumes");

            var told = (await NotificationsAsync()).Where(n => !n.GetProperty("Subject").GetString()!.StartsWith("[ThreatResponse] Delayed", StringComparison.Ordinal)).ToList();
            Assert.True(told.Count == notifications, $"{boundary}: {told.Count} notifications: {string.Join(" | ", told.Select(n => n.GetProperty("Subject").GetString()))}");
            Assert.All(told, n => Assert.StartsWith("[ThreatResponse] Isolated", n.GetProperty("Subject").GetString(), StringComparison.Ordinal));
            if (boundary != "after the claim")
            {
                // The retry's one notification says it completed what the dead invocation began.
                Assert.Contains("completed a response begun", told[^1].GetProperty("Message").GetString(), StringComparison.Ordinal);
            }

            Assert.Contains("isolat", _securityHub.Finding(FindingId)?.Note ?? "", StringComparison.OrdinalIgnoreCase);

            var ledger = await LedgerItemAsync();
            Assert.Equal("succeeded", ledger["status"].S);
            var state = (await _dynamoDb.GetItemAsync(new GetItemRequest
            {
                TableName = Table,
                Key = new Dictionary<string, AttributeValue>
                {
                    ["pk"] = new($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{Scene.InstanceId}"),
                    ["sk"] = new("isolation-state"),
                },
                ConsistentRead = true,
            })).Item;
            var saved = IsolationStateJson.Deserialize(state["state"].S);
            Assert.Equal(Scene.PrimaryGroups.Order(), saved.GroupsByNetworkInterface[Scene.PrimaryEniId].Order());
            Assert.Equal(Scene.SecondaryGroups.Order(), saved.GroupsByNetworkInterface[Scene.SecondaryEniId].Order());
            Assert.Equal(Scene.ProfileArn, saved.ProfileArn);
            Assert.Equal("enabled", saved.MetadataOptions.HttpEndpoint);
            Assert.Equal("terminate", saved.ShutdownBehavior);
            Assert.False(saved.TerminationProtection);
        }

        public async ValueTask DisposeAsync()
        {
            _proxy.Dispose();
            _securityHub.Dispose();
            _ec2.Dispose();
            _dynamoDb.Dispose();
            _sqs.Dispose();
            File.Delete(_eventFile);
            await Task.CompletedTask;
        }
    }
}
