using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using ThreatResponse.Aws;
using ThreatResponse.Functions.Hosting;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Everything a function meets when deployed, locally: EC2, SNS and SQS in moto_server (behind a recording proxy),
/// Security Hub as the botocore-checked stand-in, a notification topic with an on-call queue subscribed, and the
/// environment variables template.yaml sets.
/// </summary>
public sealed class FunctionWorld : IAsyncDisposable
{
    public const string IsolateAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRIsolate";
    public const string ReleaseAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRRelease";
    public const string SnapshotAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRSnapshot";
    public const string StopAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRStop";
    public const string RevokeAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRRevoke";
    public const string CollectAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRCollect";

    private readonly Dictionary<string, string?> _variables = new(StringComparer.Ordinal);

    private FunctionWorld(MotoServerFixture moto)
    {
        Moto = moto;
        AwsProxy = new RecordingProxy(moto.Endpoint);
        AwsProxy.OneAtATime.Add("dynamodb");
        SecurityHub = new SecurityHubModelEndpoint();
        SecurityHubProxy = new RecordingProxy(SecurityHub.Endpoint);
        Sqs = new AmazonSQSClient(MotoServerFixture.Credentials, moto.Configure(new AmazonSQSConfig()));
        Log = new StringWriter();
    }

    public MotoServerFixture Moto { get; }

    public RecordingProxy AwsProxy { get; }

    public SecurityHubModelEndpoint SecurityHub { get; }

    public RecordingProxy SecurityHubProxy { get; }

    public AmazonSQSClient Sqs { get; }

    public StringWriter Log { get; }

    public string TopicArn { get; private set; } = string.Empty;

    public string QueueUrl { get; private set; } = string.Empty;

    public static async Task<FunctionWorld> CreateAsync(MotoServerFixture moto)
    {
        var world = new FunctionWorld(moto);
        world.QueueUrl = (await world.Sqs.CreateQueueAsync("on-call")).QueueUrl;
        var queueArn = (await world.Sqs.GetQueueAttributesAsync(world.QueueUrl, ["QueueArn"])).QueueARN;
        world.TopicArn = await MotoSns.CreateTopicAsync(moto, "threat-response");
        await MotoSns.SubscribeQueueAsync(moto, world.TopicArn, queueArn);
        world.Set("AWS_ENDPOINT_URL", world.AwsProxy.Endpoint.ToString());
        world.Set("AWS_ENDPOINT_URL_SECURITYHUB", world.SecurityHubProxy.Endpoint.ToString());
        world.Set("AWS_REGION", MotoServerFixture.DefaultRegion);
        world.Set("HOME_ACCOUNT_ID", MotoServerFixture.DefaultAccount);
        world.Set("MEMBER_ROLE_NAME", "ThreatResponseMember");
        world.Set("NOTIFICATION_TOPIC_ARN", world.TopicArn);
        world.Set("EXEMPT_TAG_KEY", "ThreatResponse:Exempt");
        world.Set("ALLOWED_ACCOUNTS", string.Empty);
        world.Set("AUTO_RESPONSE_MODE", "enforce");
        world.Set("DRY_RUN", "false");
        world.Set("LEDGER_TABLE_NAME", await CreateLedgerTableAsync(moto));
        return world;
    }

    /// <summary>The ledger table as template.yaml creates it (pk, sk).</summary>
    public static async Task<string> CreateLedgerTableAsync(MotoServerFixture moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        using var dynamoDb = new Amazon.DynamoDBv2.AmazonDynamoDBClient(MotoServerFixture.Credentials, moto.Configure(new Amazon.DynamoDBv2.AmazonDynamoDBConfig()));
        return await LedgerTable.CreateAsync(dynamoDb, "threat-response-ledger");
    }

    public FunctionWorld Set(string name, string? value)
    {
        _variables[name] = value;
        return this;
    }

    /// <summary>A runtime built from the current variables, as the Lambda runtime would build one from its environment.</summary>
    public FunctionRuntime Runtime() => Runtime(TimeProvider.System);

    /// <summary>A runtime whose clock is <paramref name="time"/>: a later retry, without waiting for it.</summary>
    public FunctionRuntime Runtime(TimeProvider time) =>
        new(new AwsEnvironment(n => _variables.GetValueOrDefault(n)), Log, time, _ => Task.FromResult(MotoServerFixture.Credentials));

    /// <summary>A runtime fixed to the current variables with <paramref name="overrides"/>: later <see cref="Set"/> calls do not reach it.</summary>
    public FunctionRuntime FixedRuntime(params (string Name, string? Value)[] overrides)
    {
        var variables = new Dictionary<string, string?>(_variables);
        foreach (var (name, value) in overrides)
        {
            variables[name] = value;
        }

        return new(new AwsEnvironment(n => variables.GetValueOrDefault(n)), Log, TimeProvider.System, _ => Task.FromResult(MotoServerFixture.Credentials));
    }

    /// <summary>The handler of a function by its logical id, built on <paramref name="runtime"/>.</summary>
    public static Func<Stream, Task<Stream>> Handler(string function, FunctionRuntime runtime) => function switch
    {
        "GuardDutyResponder" => new GuardDutyResponder(runtime).HandleAsync,
        "IsolateInstanceAction" => new IsolateInstanceAction(runtime).HandleAsync,
        "SnapshotInstanceAction" => new SnapshotInstanceAction(runtime).HandleAsync,
        "StopInstanceAction" => new StopInstanceAction(runtime).HandleAsync,
        "ReleaseInstanceAction" => new ReleaseInstanceAction(runtime).HandleAsync,
        "CollectEvidenceAction" => new CollectEvidenceAction(runtime).HandleAsync,
        "IsolateAndRevokeSessionsAction" => new IsolateAndRevokeSessionsAction(runtime).HandleAsync,
        _ => throw new ArgumentException($"no function {function}", nameof(function)),
    };

    /// <summary>The custom action a function serves (GuardDutyResponder: the isolate action, whose events it refuses).</summary>
    public static string ActionOf(string function) => function switch
    {
        "SnapshotInstanceAction" => SnapshotAction,
        "StopInstanceAction" => StopAction,
        "ReleaseInstanceAction" => ReleaseAction,
        "IsolateAndRevokeSessionsAction" => RevokeAction,
        "CollectEvidenceAction" => CollectAction,
        _ => IsolateAction,
    };

    /// <summary>Calls a handler exactly as Lambda would: a stream in, a stream out.</summary>
    public static async Task<JsonDocument> InvokeAsync(Func<Stream, Task<Stream>> handler, JsonNode @event)
    {
        ArgumentNullException.ThrowIfNull(handler);
        using var input = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(@event));
        await using var output = await handler(input);
        return await JsonDocument.ParseAsync(output);
    }

    /// <summary>
    /// The handler's outcome is <paramref name="expected"/>; a failure prints the whole output (its report says which
    /// instance and which step went otherwise), not only the two words.
    /// </summary>
    public static void AssertOutcome(string expected, JsonDocument output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var actual = output.RootElement.GetProperty("outcome").GetString();
        Assert.True(actual == expected, $"outcome {actual}, expected {expected}; the handler's output: {output.RootElement}");
    }

    /// <summary>The notifications delivered to the on-call queue: SNS's envelope (Subject, Message, MessageAttributes).</summary>
    public async Task<List<JsonElement>> NotificationsAsync()
    {
        var messages = new List<JsonElement>();
        while (true)
        {
            var batch = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = QueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0 });
            if (batch.Messages is not { Count: > 0 })
            {
                return messages;
            }

            foreach (var message in batch.Messages)
            {
                messages.Add(JsonDocument.Parse(message.Body).RootElement.Clone());
                await Sqs.DeleteMessageAsync(QueueUrl, message.ReceiptHandle);
            }
        }
    }

    /// <summary>The log lines the function wrote, each parsed (every line must be JSON).</summary>
    public List<JsonElement> LogLines() =>
        [.. Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    /// <summary>The project's sample event, with <paramref name="instanceId"/> in place of the sample's instance.</summary>
    public static JsonNode ProjectEvent(string file, string? instanceId = null)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "events", file));
        return JsonNode.Parse(instanceId is null ? text : text.Replace("i-0a1b2c3d4e5f60718", instanceId, StringComparison.Ordinal))!;
    }

    public async ValueTask DisposeAsync()
    {
        AwsProxy.Dispose();
        SecurityHubProxy.Dispose();
        SecurityHub.Dispose();
        Sqs.Dispose();
        await Log.DisposeAsync();
    }
}
