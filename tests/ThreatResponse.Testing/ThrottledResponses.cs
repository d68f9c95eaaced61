using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>
/// Custom-action responses as deployed — <c>IsolateInstanceAction</c> in processes of its own, the ledger in moto's
/// DynamoDB, a notification topic, the Security Hub stand-in — against EC2 request buckets shared with others: every
/// EC2 request goes through one proxy that refuses what <see cref="SharedEc2Buckets"/> cannot serve. Time may be
/// compressed: refill rates, the functions' pacing (<c>THREATRESPONSE_EC2_RATE_SCALE</c>) and their timeout
/// (<c>FUNCTION_TIMEOUT_SECONDS</c>) all scaled by one factor.
/// </summary>
public sealed class ThrottledResponses : IAsyncDisposable
{
    public const string ActionTarget = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRIsolate";

    private readonly List<string> _files = [];

    private ThrottledResponses(MotoServerFixture moto, SharedEc2Buckets buckets, double timeScale, TimeSpan? retryAfter)
    {
        Proxy = new RecordingProxy(moto.Endpoint);
        Proxy.OneAtATime.Add("dynamodb");
        Proxy.EmulateSharedEc2Buckets(buckets, retryAfter);
        Buckets = buckets;
        TimeScale = timeScale;
    }

    public RecordingProxy Proxy { get; }

    public SecurityHubModelEndpoint SecurityHub { get; } = new();

    public SharedEc2Buckets Buckets { get; }

    public double TimeScale { get; }

    /// <summary>The function's timeout at this time scale: template.yaml's default 120 s, divided by the scale.</summary>
    public TimeSpan FunctionTimeout => TimeSpan.FromSeconds(120 / TimeScale);

    public string TopicArn { get; private set; } = string.Empty;

    public string Table { get; private set; } = string.Empty;

    /// <param name="retryAfter">Sent with every refusal as <c>Retry-After</c>; null: none, as EC2 sends none.</param>
    public static async Task<ThrottledResponses> CreateAsync(MotoServerFixture moto, SharedEc2Buckets buckets, double timeScale = 1, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(moto);
        var world = new ThrottledResponses(moto, buckets, timeScale, retryAfter);
        using (var dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, moto.Configure(new AmazonDynamoDBConfig())))
        {
            world.Table = await LedgerTable.CreateAsync(dynamoDb, "threat-response-ledger");
        }

        world.TopicArn = await MotoSns.CreateTopicAsync(moto, "threat-response");
        return world;
    }

    /// <summary>The environment template.yaml gives IsolateInstanceAction, pointed at the proxy and the stand-in.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL"] = Proxy.Endpoint.ToString(),
        ["AWS_ENDPOINT_URL_SECURITYHUB"] = SecurityHub.Endpoint.ToString(),
        ["AWS_REGION"] = MotoServerFixture.DefaultRegion,
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["HOME_ACCOUNT_ID"] = MotoServerFixture.DefaultAccount,
        ["MEMBER_ROLE_NAME"] = "ThreatResponseMember",
        ["NOTIFICATION_TOPIC_ARN"] = TopicArn,
        ["LEDGER_TABLE_NAME"] = Table,
        ["ACTION_TARGET_ARN"] = ActionTarget,
        ["DRY_RUN"] = "false",
        ["FUNCTION_TIMEOUT_SECONDS"] = FunctionTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["THREATRESPONSE_EC2_RATE_SCALE"] = TimeScale.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Writes an event to a file of its own, removed with this.</summary>
    public string EventFile(JsonNode @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var file = Path.Combine(Path.GetTempPath(), $"tr-throttled-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, @event.ToJsonString());
        _files.Add(file);
        return file;
    }

    /// <summary>One IsolateInstanceAction process per event file, all started at once; each may run its timeout and a half.</summary>
    /// <param name="cli">The CLI's assembly, <c>threat-response.dll</c>.</param>
    public async Task<IReadOnlyList<FunctionProcessResult>> InvokeTogetherAsync(string cli, IReadOnlyList<string> eventFiles)
    {
        ArgumentNullException.ThrowIfNull(eventFiles);
        var environment = Environment;
        return await Task.WhenAll(eventFiles.Select(file => FunctionProcess.InvokeAsync(cli, "IsolateInstanceAction", file, environment, FunctionTimeout * 1.5 + TimeSpan.FromSeconds(30))));
    }

    /// <summary>
    /// The instances a process's log reports not reached in time (its "instance response" lines whose reason says so;
    /// <c>threat-response invoke</c> writes the function's log to stderr, its output to stdout).
    /// </summary>
    public static IReadOnlyList<string> NotReachedInTime(FunctionProcessResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var instances = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in $"{result.Stdout}\n{result.Stderr}".Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith('{') || !line.Contains("not reached in time", StringComparison.Ordinal))
            {
                continue;
            }

            var json = JsonNode.Parse(line);
            if (json?["message"]?.GetValue<string>() == "instance response" && json["instance"]?.GetValue<string>() is { } instance)
            {
                instances.Add(instance);
            }
        }

        return [.. instances];
    }

    public ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        SecurityHub.Dispose();
        foreach (var file in _files)
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }
}
