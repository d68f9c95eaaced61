using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// The "Collect evidence" custom action against moto_server: the Run Command goes to the right instance with the right
/// document and parameters (moto keeps it), and the test plays the instance's agent — it runs the real collection
/// script on this machine with the command's upload URL, so the archive lands in moto's S3 through the pre-signed URL
/// our adapter made. Systems Manager's agent registry and the command's status (which moto does not model) are answered
/// by the test, their requests checked against botocore's model.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class CollectEvidenceTests(MotoServerFixture moto) : EvidenceWorldTest(moto)
{
    private const string CollectAction = FunctionWorld.CollectAction;

    [Fact]
    public async Task CollectAction_LinuxInstanceWithAnOnlineAgent_ArchiveStoredVerifiedAndRecorded()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var s3 = new AmazonS3Client(MotoServerFixture.Credentials, Moto.Configure(new AmazonS3Config { ForcePathStyle = true }));
        await EvidenceScene.CreateBucketAsync(s3, Bucket);
        var groupsBefore = await ec2.GroupIdsAsync(scene.PrimaryEniId);
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations, online: true);

        using var runtime = Configure().Runtime();
        using var output = await FunctionWorld.InvokeAsync(new CollectEvidenceAction(runtime).HandleAsync, Event(scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Empty(Violations);

        // The command, as Systems Manager (moto) holds it: our document, on this instance, with the upload URL for one key.
        using var ssm = new AmazonSimpleSystemsManagementClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonSimpleSystemsManagementConfig()));
        var command = Assert.Single((await ssm.ListCommandsAsync(new ListCommandsRequest())).Commands);
        Assert.Equal("ThreatResponse-CollectEvidence", command.DocumentName);
        Assert.Equal([scene.InstanceId], command.InstanceIds);
        Assert.Equal(["30"], command.Parameters["executionTimeout"]);
        Assert.Equal(["104857600"], command.Parameters["maxBytes"]);
        var uploadUrl = new Uri(Assert.Single(command.Parameters["uploadUrl"]));
        Assert.Contains("X-Amz-Signature=", uploadUrl.Query, StringComparison.Ordinal);
        var key = Uri.UnescapeDataString(uploadUrl.AbsolutePath)[$"/{Bucket}/".Length..];
        Assert.Matches($"^evidence/123456789012/us-east-1/{scene.InstanceId}/c1b8f6d4a7e2f0931b2c3d4e5f60718a/\\d{{8}}T\\d{{6}}Z\\.tar\\.gz$", key);

        // What the bucket holds is what the script made, and the report and the ledger say so.
        using var stored = await s3.GetObjectAsync(Bucket, key);
        using var body = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(body);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(body.ToArray()));
        var notification = Assert.Single(await World.NotificationsAsync());
        Assert.StartsWith("[ThreatResponse] Collected", notification.GetProperty("Subject").GetString(), StringComparison.Ordinal);
        var steps = Steps(notification);
        var kept = steps.Single(s => s.GetProperty("step").GetString() == "evidence-stored");
        Assert.Equal("succeeded", kept.GetProperty("outcome").GetString());
        Assert.Contains($"SHA-256 {sha256}", kept.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains($"{body.Length} bytes", kept.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(command.CommandId, kept.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var record = await LedgerRecordAsync(scene.InstanceId);
        Assert.Equal("CollectEvidenceAction", record["respondedBy"].S);
        var evidence = Assert.Single(record["evidence"].L).S;
        Assert.StartsWith($"s3://{Bucket}/{key}: ", evidence, StringComparison.Ordinal);
        Assert.Contains(sha256, evidence, StringComparison.Ordinal);

        Assert.Equal(groupsBefore, await ec2.GroupIdsAsync(scene.PrimaryEniId)); // collecting changes nothing in EC2
    }

    [Fact]
    public async Task CollectAction_InstanceWithoutAnSsmAgent_SkippedNothingSent()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations, online: false, registered: false);

        using var runtime = Configure().Runtime();
        using var output = await FunctionWorld.InvokeAsync(new CollectEvidenceAction(runtime).HandleAsync, Event(scene.InstanceId));

        FunctionWorld.AssertOutcome("skipped", output);
        Assert.Contains(Steps(Assert.Single(await World.NotificationsAsync())), s => s.GetProperty("detail").GetString()!.StartsWith("skipped: no SSM agent", StringComparison.Ordinal));
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "SendCommand" or "PutObject");
        Assert.Empty(Violations);
    }

    [Fact]
    public async Task GuardDutyResponder_RuleCollectsAndIsolatesWithoutEvidenceFirst_IsolatesAndSaysThereIsNoForensicChannel()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations, online: true);
        Configure().Set("PLAYBOOK", "version: 1\nrules:\n  - name: all\n    actions: [isolate, collect]\n");

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        Assert.Equal(["threat-response-isolation"], await ec2.GroupNamesAsync(scene.PrimaryEniId));
        var collect = Steps(Assert.Single(await World.NotificationsAsync())).Single(s => s.TryGetProperty("action", out var a) && a.GetString() == "collect");
        Assert.Equal("skipped", collect.GetProperty("outcome").GetString());
        Assert.StartsWith("no forensic channel: no interface endpoint", collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("; snapshots only", collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation == "SendCommand");
    }

    [Fact]
    public async Task GuardDutyResponder_RuleWithEvidenceFirstSeconds_CollectsThenIsolates()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var s3 = new AmazonS3Client(MotoServerFixture.Credentials, Moto.Configure(new AmazonS3Config { ForcePathStyle = true }));
        await EvidenceScene.CreateBucketAsync(s3, Bucket);
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations, online: true);
        Configure().Set("PLAYBOOK", "version: 1\nrules:\n  - name: all\n    actions: [isolate, collect]\n    evidenceFirstSeconds: 60\n");

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Equal(["threat-response-isolation"], await ec2.GroupNamesAsync(scene.PrimaryEniId));
        var calls = World.AwsProxy.Calls.Select(c => c.Operation).ToList();
        Assert.True(calls.LastIndexOf("GetCommandInvocation") < calls.IndexOf("ModifyNetworkInterfaceAttribute"), "the collection finished before the first group change");
        Assert.Single((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = $"evidence/123456789012/us-east-1/{scene.InstanceId}/" })).S3Objects);
        Assert.Empty(Violations);
    }

    [Fact]
    public async Task GuardDutyResponder_RuleSnapshotsWithAnEvidenceBucket_TheSnapshotsAreListedInTheCasesPlace()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var s3 = new AmazonS3Client(MotoServerFixture.Credentials, Moto.Configure(new AmazonS3Config { ForcePathStyle = true }));
        await EvidenceScene.CreateBucketAsync(s3, Bucket);
        Configure().Set("PLAYBOOK", "version: 1\nrules:\n  - name: all\n    actions: [isolate, snapshot]\n");

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        var listed = Assert.Single((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = $"evidence/123456789012/us-east-1/{scene.InstanceId}/4ec6f2b1a9d84e0c9e8f7a6b5c4d3e2f/" })).S3Objects);
        Assert.EndsWith("-snapshots.json", listed.Key, StringComparison.Ordinal);
        using var stored = await s3.GetObjectAsync(Bucket, listed.Key);
        using var record = await JsonDocument.ParseAsync(stored.ResponseStream);

        // What EC2 holds: every snapshot of the instance's volumes, each listed with its volume.
        var snapshots = (await ec2.DescribeSnapshotsAsync(new Amazon.EC2.Model.DescribeSnapshotsRequest { Filters = [new Amazon.EC2.Model.Filter("tag:ThreatResponse:InstanceId", [scene.InstanceId])] })).Snapshots;
        Assert.Equal(2, snapshots.Count);
        Assert.Equal(
            snapshots.Select(s => (s.SnapshotId, s.VolumeId)).Order(),
            record.RootElement.GetProperty("snapshots").EnumerateArray().Select(s => (s.GetProperty("snapshotId").GetString()!, s.GetProperty("volumeId").GetString()!)).Order());
        Assert.Equal(scene.InstanceId, record.RootElement.GetProperty("instanceId").GetString());
        Assert.EndsWith("4ec6f2b1a9d84e0c9e8f7a6b5c4d3e2f", record.RootElement.GetProperty("finding").GetString(), StringComparison.Ordinal);

        // Reported as evidence stored, as the archive is (the ledger and the e-mail take it from there).
        var step = Steps(Assert.Single(await World.NotificationsAsync())).Single(s => s.GetProperty("step").GetString() == "evidence-stored");
        Assert.Equal($"s3://{Bucket}/{listed.Key}", step.GetProperty("target").GetString());
        Assert.Equal("snapshot", step.GetProperty("action").GetString());
    }

    private FunctionWorld Configure() => WithEvidenceSettings().Set("ACTION_TARGET_ARN", CollectAction);

    internal static JsonNode Event(string instanceId)
    {
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", instanceId);
        @event["resources"]![0] = CollectAction;
        @event["detail"]!["actionName"] = "Collect evidence";
        @event["detail"]!["findings"]![0]!["Id"] = "arn:aws:securityhub:us-east-1:123456789012:finding/c1b8f6d4a7e2f0931b2c3d4e5f60718a";
        return @event;
    }

    private async Task<Dictionary<string, AttributeValue>> LedgerRecordAsync(string instanceId)
    {
        using var dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new AmazonDynamoDBConfig()));
        var item = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = "threat-response-ledger",
            Key = new Dictionary<string, AttributeValue>
            {
                ["pk"] = new("finding#arn:aws:securityhub:us-east-1:123456789012:finding/c1b8f6d4a7e2f0931b2c3d4e5f60718a"),
                ["sk"] = new($"instance#{MotoServerFixture.DefaultAccount}#{MotoServerFixture.DefaultRegion}#{instanceId}"),
            },
            ConsistentRead = true,
        });
        Assert.True(item.IsItemSet, "no ledger record");
        return item.Item;
    }
}
