using System.Text.Json.Nodes;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Functions.Hosting;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Every real event in the repository's corpus (tests/events) through the function its rule would invoke, in enforce mode. None of them may
/// change anything in EC2 here (sample, low-severity, non-EC2 or unknown instances), and each must be notified and
/// noted on its findings; Imported events (ASFF and OCSF) reach no function and are refused if sent to one.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class SharedEventsThroughFunctionsTests(MotoServerFixture moto) : MotoTest(moto)
{
    private static readonly HashSet<string> MutatingEc2 = new(StringComparer.Ordinal)
    {
        "ModifyNetworkInterfaceAttribute", "ModifyInstanceAttribute", "ModifyInstanceMetadataOptions", "DisassociateIamInstanceProfile",
        "AssociateIamInstanceProfile", "CreateTags", "DeleteTags", "CreateSnapshots", "StopInstances", "CreateSecurityGroup",
        "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
    };

    public static TheoryData<string> Files() => [.. EventCorpus.All()];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Function_SharedEvent_NotifiedNotedAndNothingContained(string file)
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        var bytes = await File.ReadAllBytesAsync(EventCorpus.PathOf(file));
        var parsed = FindingEventParser.Parse(bytes);
        Assert.True(parsed.IsSuccess, parsed.Error?.ToString());
        var @event = JsonNode.Parse(bytes)!;

        if (parsed.Event.Kind is FindingEventKind.SecurityHubImported or FindingEventKind.SecurityHubImportedV2)
        {
            using var runtime = world.Runtime();
            await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event));
            Assert.Empty(await world.NotificationsAsync());
            Assert.Empty(world.SecurityHub.Requests);
            return;
        }

        using (var runtime = world.Set("ACTION_TARGET_ARN", parsed.Event.CustomActionArn).Runtime())
        {
            Func<Stream, Task<Stream>> handler = parsed.Event.Kind == FindingEventKind.GuardDutyFinding
                ? new GuardDutyResponder(runtime).HandleAsync
                : new IsolateInstanceAction(runtime).HandleAsync;
            using var output = await FunctionWorld.InvokeAsync(handler, @event);

            Assert.Equal("skipped", output.RootElement.GetProperty("outcome").GetString());
        }

        Assert.DoesNotContain(world.AwsProxy.Calls, c => c.Service == "ec2" && MutatingEc2.Contains(c.Operation));
        Assert.Single(await world.NotificationsAsync());
        Assert.Empty(world.SecurityHub.Violations);
        foreach (var finding in parsed.Event.Findings)
        {
            var update = world.SecurityHub.Finding(finding.Id);
            Assert.NotNull(update);
            Assert.Equal(finding.ProductArn, update.ProductArn);
            Assert.Null(update.WorkflowStatus);
            Assert.Equal("skipped", update.UserDefinedFields["ThreatResponseOutcome"]);
        }
    }
}
