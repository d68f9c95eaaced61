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
/// noted on its findings; Imported events (ASFF, and OCSF of other products than GuardDuty) reach no function and are
/// refused if sent to one.
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

        // The new Security Hub's findings of GuardDuty reach GuardDutyResponder when the stack's optional V2 rule is on.
        var guardDutyV2 = parsed.Event.Kind == FindingEventKind.SecurityHubImportedV2 && parsed.Event.Findings.All(f => f.Source == FindingSource.GuardDuty);
        if (parsed.Event.Kind is FindingEventKind.SecurityHubImported || (parsed.Event.Kind == FindingEventKind.SecurityHubImportedV2 && !guardDutyV2))
        {
            using var runtime = world.Runtime();
            await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event));
            Assert.Empty(await world.NotificationsAsync());
            Assert.Empty(world.SecurityHub.Requests);
            return;
        }

        using (var runtime = world.Set("ACTION_TARGET_ARN", parsed.Event.CustomActionArn).Runtime())
        {
            Func<Stream, Task<Stream>> handler = parsed.Event.Kind is FindingEventKind.GuardDutyFinding or FindingEventKind.SecurityHubImportedV2
                ? new GuardDutyResponder(runtime).HandleAsync
                : new IsolateInstanceAction(runtime).HandleAsync;
            using var output = await FunctionWorld.InvokeAsync(handler, @event);

            FunctionWorld.AssertOutcome("skipped", output);
        }

        Assert.DoesNotContain(world.AwsProxy.Calls, c => c.Service == "ec2" && MutatingEc2.Contains(c.Operation));
        Assert.Single(await world.NotificationsAsync());
        Assert.Empty(world.SecurityHub.Violations);
        foreach (var finding in parsed.Event.Findings)
        {
            if (finding.MetadataUid is { } uid)
            {
                // BatchUpdateFindingsV2 has a comment and a status, no user-defined fields.
                var v2 = world.SecurityHub.Finding(uid);
                Assert.NotNull(v2);
                Assert.Equal("BatchUpdateFindingsV2", v2.Operation);
                Assert.Null(v2.StatusId);
                Assert.Contains("skipped", v2.Note, StringComparison.Ordinal);
                continue;
            }

            var update = world.SecurityHub.Finding(finding.Id);
            Assert.NotNull(update);
            Assert.Equal(finding.ProductArn, update.ProductArn);
            Assert.Null(update.WorkflowStatus);
            Assert.Equal("skipped", update.UserDefinedFields["ThreatResponseOutcome"]);
        }
    }

    /// <summary>
    /// The same files through every function their rule does not invoke (the custom-action functions each serving its own
    /// action): each is refused with the reason, before any AWS call.
    /// </summary>
    [Theory]
    [MemberData(nameof(Files))]
    public async Task EveryOtherFunction_SharedEvent_RefusedWithTheReasonAndNoAwsCall(string file)
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        var parsed = FindingEventParser.Parse(await File.ReadAllBytesAsync(EventCorpus.PathOf(file)));
        Assert.True(parsed.IsSuccess, parsed.Error?.ToString());
        var @event = JsonNode.Parse(await File.ReadAllBytesAsync(EventCorpus.PathOf(file)))!;
        var respondedBy = parsed.Event.Kind is FindingEventKind.GuardDutyFinding || (parsed.Event.Kind == FindingEventKind.SecurityHubImportedV2 && parsed.Event.Findings.All(f => f.Source == FindingSource.GuardDuty))
            ? "GuardDutyResponder"
            : null; // custom actions: the corpus's action targets are none of this stack's

        foreach (var function in new[] { "GuardDutyResponder", "IsolateInstanceAction", "SnapshotInstanceAction", "StopInstanceAction", "ReleaseInstanceAction", "CollectEvidenceAction" }.Where(f => f != respondedBy))
        {
            using var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.ActionOf(function)).Runtime();
            world.AwsProxy.Clear();

            var error = await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(FunctionWorld.Handler(function, runtime), @event));

            var reason = parsed.Event.Kind == FindingEventKind.SecurityHubCustomAction && function != "GuardDutyResponder" ? "$.resources names"
                : parsed.Event.Kind == FindingEventKind.SecurityHubImportedV2 && function == "GuardDutyResponder" ? "not GuardDuty"
                : $"not {parsed.Event.Kind}";
            Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), $"{function}: '{error.Message}' does not say '{reason}'");
            Assert.Empty(world.AwsProxy.Calls);
        }

        Assert.Empty(await world.NotificationsAsync());
        Assert.Empty(world.SecurityHub.Requests);
    }
}
