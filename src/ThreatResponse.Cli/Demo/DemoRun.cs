using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using ThreatResponse.Aws;
using ThreatResponse.Functions;
using ThreatResponse.Functions.Hosting;
using ThreatResponse.LocalAws;

namespace ThreatResponse.Cli.Demo;

/// <summary>
/// The whole pipeline on a laptop: a local AWS (moto_server), a web instance with two ENIs, two volumes and an instance
/// profile, a notification topic with an on-call queue, a ledger table and a Security Hub stand-in; then a GuardDuty
/// finding through <see cref="GuardDutyResponder"/> in enforce mode, and the analyst's "Release isolation" through
/// <see cref="ReleaseInstanceAction"/> — each function configured exactly as template.yaml configures it.
/// </summary>
internal static class DemoRun
{
    private const string Region = "us-east-1";
    private const string Account = "123456789012";
    private const string ReleaseAction = "arn:aws:securityhub:us-east-1:123456789012:action/custom/TRRelease";
    private static readonly AWSCredentials Credentials = new BasicAWSCredentials("demo", "demo");

    /// <param name="showNotification">Also read back the containment notification as published, every protocol's body.</param>
    public static async Task<DemoResult> RunAsync(
        Uri? endpoint, PythonToolsOptions tools, Action<string> progress, TextWriter functionLog, CancellationToken cancellationToken, bool showNotification = false)
    {
        var timings = new Dictionary<string, long>();
        var clock = Stopwatch.StartNew();
        progress(endpoint is null ? "Starting moto_server (the local AWS)" : $"Using the emulator at {endpoint}");
        await using var emulator = endpoint is null ? await LocalEmulator.StartAsync(tools: tools, progress: new ProgressWriter(progress), cancellationToken: cancellationToken) : LocalEmulator.Existing(endpoint);
        timings["emulatorStart"] = clock.ElapsedMilliseconds;

        progress("Building the scene: VPC, web-1 with two ENIs and two volumes, instance profile, topic, queue, ledger");
        clock.Restart();
        using var ec2 = new AmazonEC2Client(Credentials, Configure(new AmazonEC2Config(), emulator.Endpoint));
        using var sqs = new AmazonSQSClient(Credentials, Configure(new AmazonSQSConfig(), emulator.Endpoint));
        using var securityHub = new SecurityHubRecorder();
        var scene = await DemoScene.CreateAsync(emulator.Endpoint, ec2);
        var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = $"on-call-{Guid.NewGuid():N}" }, cancellationToken)).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], cancellationToken)).QueueARN;
        var topicArn = await EmulatorForms.CreateTopicAsync(emulator.Endpoint, $"threat-response-{Guid.NewGuid():N}");
        await EmulatorForms.SubscribeQueueAsync(emulator.Endpoint, topicArn, queueArn);
        var ledger = await CreateLedgerAsync(emulator.Endpoint, cancellationToken);
        var environment = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = emulator.Endpoint.ToString(),
            ["AWS_ENDPOINT_URL_SECURITYHUB"] = securityHub.Endpoint.ToString(),
            ["AWS_REGION"] = Region,
            ["HOME_ACCOUNT_ID"] = Account,
            ["NOTIFICATION_TOPIC_ARN"] = topicArn,
            ["LEDGER_TABLE_NAME"] = ledger,
            ["AUTO_RESPONSE_MODE"] = "enforce",
            ["EXEMPT_TAG_KEY"] = "ThreatResponse:Exempt",
            ["MEMBER_ROLE_NAME"] = "ThreatResponseMember",
        };
        var before = await InstanceView.ReadAsync(ec2, scene.InstanceId);
        timings["scene"] = clock.ElapsedMilliseconds;

        progress("GuardDuty reports a command-and-control backdoor on web-1: GuardDutyResponder (enforce) responds");
        clock.Restart();
        var containment = await InvokeAsync(environment, functionLog, r => new GuardDutyResponder(r).HandleAsync, "demo/guardduty.json", scene.InstanceId);
        timings["containment"] = clock.ElapsedMilliseconds;
        var contained = await InstanceView.ReadAsync(ec2, scene.InstanceId);
        var notifications = await ReadNotificationsAsync(sqs, queueUrl, cancellationToken);
        var published = showNotification ? await PublishedAsync(emulator.Endpoint, topicArn) : null;

        progress("The analyst clicks \"Release isolation\" in Security Hub: ReleaseInstanceAction responds");
        clock.Restart();
        environment["ACTION_TARGET_ARN"] = ReleaseAction;
        var release = await InvokeAsync(environment, functionLog, r => new ReleaseInstanceAction(r).HandleAsync, "demo/release.json", scene.InstanceId);
        timings["release"] = clock.ElapsedMilliseconds;
        var released = await InstanceView.ReadAsync(ec2, scene.InstanceId);
        notifications.AddRange(await ReadNotificationsAsync(sqs, queueUrl, cancellationToken));

        var succeeded = containment.GetProperty("outcome").GetString() == "succeeded"
            && release.GetProperty("outcome").GetString() == "succeeded"
            && contained.NetworkInterfaces.All(n => n.Groups.SequenceEqual(["threat-response-isolation"]))
            && released.RestoresTo(before);
        return new DemoResult(emulator.Endpoint.ToString(), scene.InstanceId, "web-1", before, contained, released, containment, release, notifications, securityHub.Updates, timings, succeeded)
        {
            Published = published,
        };
    }

    /// <summary>Runs a handler as Lambda would, in its own runtime built from the function's environment.</summary>
    private static async Task<JsonElement> InvokeAsync(
        Dictionary<string, string?> environment, TextWriter log, Func<FunctionRuntime, Func<Stream, Task<Stream>>> handler, string eventResource, string instanceId)
    {
        using var runtime = new FunctionRuntime(new AwsEnvironment(n => environment.GetValueOrDefault(n)), log, TimeProvider.System, _ => Task.FromResult(Credentials));
        using var input = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(Event(eventResource, instanceId)));
        await using var output = await handler(runtime)(input);
        return (await JsonDocument.ParseAsync(output)).RootElement.Clone();
    }

    private static JsonNode Event(string resource, string instanceId)
    {
        using var stream = typeof(DemoRun).Assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"{resource} is not embedded");
        using var reader = new StreamReader(stream);
        return JsonNode.Parse(reader.ReadToEnd().Replace("i-0a1b2c3d4e5f60718", instanceId, StringComparison.Ordinal))!;
    }

    private static async Task<List<DemoNotification>> ReadNotificationsAsync(AmazonSQSClient sqs, string queueUrl, CancellationToken cancellationToken)
    {
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, cancellationToken);
        var notifications = new List<DemoNotification>();
        foreach (var message in received.Messages ?? [])
        {
            using var envelope = JsonDocument.Parse(message.Body);
            var body = JsonDocument.Parse(envelope.RootElement.GetProperty("Message").GetString()!).RootElement.Clone();
            notifications.Add(new DemoNotification(envelope.RootElement.GetProperty("Subject").GetString() ?? string.Empty, body));
            await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, cancellationToken);
        }

        return notifications;
    }

    /// <summary>
    /// The first notification published to the topic, as moto recorded the <c>Publish</c>: the e-mail and chat bodies
    /// included, which no subscriber of the emulator receives (moto delivers no e-mail, and HTTPS only to a reachable server).
    /// </summary>
    private static async Task<PublishedNotification> PublishedAsync(Uri emulator, string topicArn)
    {
        var (subject, message) = (await EmulatorForms.PublishedAsync(emulator, topicArn))[0];
        using var structure = JsonDocument.Parse(message);
        return new PublishedNotification(subject, structure.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal));
    }

    private static async Task<string> CreateLedgerAsync(Uri emulator, CancellationToken cancellationToken)
    {
        using var dynamoDb = new AmazonDynamoDBClient(Credentials, Configure(new AmazonDynamoDBConfig(), emulator));
        return await LedgerTable.CreateAsync(dynamoDb, $"threat-response-ledger-{Guid.NewGuid():N}", cancellationToken);
    }

    private static TConfig Configure<TConfig>(TConfig config, Uri emulator)
        where TConfig : ClientConfig
    {
        config.ServiceURL = emulator.ToString();
        config.AuthenticationRegion = Region;
        return config;
    }
}
