using ThreatResponse.Core.Settings;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using static ThreatResponse.Core.Tests.Notifications.Responses;

namespace ThreatResponse.Core.Tests.Notifications;

public sealed class FindingUpdateComposerTests
{
    private static readonly FindingUpdateOptions Defaults = new();

    // ---- Note ----

    [Fact]
    public void Compose_Succeeded_NoteStartsWithReportIdAndSaysWhatWasDone()
    {
        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(), Region, Defaults));

        Assert.StartsWith($"ThreatResponse {ReportId}", update.Note, StringComparison.Ordinal);
        Assert.Equal($"ThreatResponse {ReportId}: isolate+snapshot succeeded. {WebInstanceId} (web-1): succeeded", update.Note);
    }

    [Fact]
    public void Compose_DryRun_NoteStartsWithReportIdAndSaysDryRun()
    {
        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(StepOutcome.DryRun), Region, Defaults));

        Assert.StartsWith($"ThreatResponse {ReportId} (dry run): ", update.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_SummaryOf5000Characters_NoteAtMost512EndingWithEllipsis()
    {
        var response = Isolated();
        response = response with { Findings = [response.Findings[0] with { Summary = new string('s', 5000) }] };

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        Assert.Equal(FindingUpdateComposer.MaxNoteLength, update.Note.Length);
        Assert.Equal(512, FindingUpdateComposer.MaxNoteLength);
        Assert.EndsWith("…", update.Note, StringComparison.Ordinal);
        Assert.StartsWith($"ThreatResponse {ReportId}", update.Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Compose_NoteCutInsideEmoji_NoLoneSurrogate(int shift)
    {
        // Instance Name tags end up in the summary; a cut must not leave half a character behind.
        var response = Isolated();
        var summary = new string('s', 400 + shift) + string.Concat(Enumerable.Repeat("🚀", 100));
        response = response with { Findings = [response.Findings[0] with { Summary = summary }] };

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        Assert.True(update.Note.Length <= FindingUpdateComposer.MaxNoteLength);
        Assert.EndsWith("…", update.Note, StringComparison.Ordinal);
        AssertWellFormed(update.Note);
    }

    // ---- Workflow status ----

    [Fact]
    public void Compose_SucceededContainment_WorkflowNotifiedByDefault()
    {
        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(), Region, Defaults));

        Assert.Equal("NOTIFIED", update.WorkflowStatus);
    }

    [Theory]
    [InlineData("RESOLVED")]
    [InlineData("SUPPRESSED")]
    [InlineData("NEW")]
    [InlineData("NOTIFIED")]
    public void Compose_SucceededContainment_WorkflowFromOptions(string status)
    {
        var options = FromSettings(status);

        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(), Region, options));

        Assert.Equal(status, update.WorkflowStatus);
    }

    [Theory]
    [InlineData(StepOutcome.Failed)]
    [InlineData(StepOutcome.DryRun)]
    public void Compose_FailedOrDryRun_WorkflowUnchanged(StepOutcome isolation)
    {
        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(isolation), Region, Defaults));

        Assert.Null(update.WorkflowStatus);
    }

    [Fact]
    public void Compose_InstanceSkipped_WorkflowUnchanged()
    {
        var finding = GuardDuty();
        var response = ResponseSummary.Create(Trigger, [finding], Report([Skipped(finding.Instances[0], "web-1", "exempt: tagged ThreatResponse:Exempt=true")]));

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        Assert.Equal(StepOutcome.Skipped, response.Findings[0].Outcome);
        Assert.Null(update.WorkflowStatus);
    }

    [Fact]
    public void Compose_FindingNotActedOn_WorkflowUnchanged()
    {
        var finding = GuardDuty() with { Sample = true };
        var response = ResponseSummary.Create(Trigger, [finding], Report([]), f => f.Sample ? "sample finding" : null);

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        Assert.Null(update.WorkflowStatus);
        Assert.Contains("sample finding", update.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_SucceededReleaseOnly_WorkflowUnchanged()
    {
        var finding = GuardDuty();
        var steps = new List<StepResult>
        {
            Step(null, "lookup", null, StepOutcome.Succeeded, "running"),
            Step(ContainmentAction.Release, "restore-groups", Eni, StepOutcome.Succeeded, "sg-iso -> sg-0e1f2a3b4c5d60718"),
        };
        var response = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], "web-1", steps)], [ContainmentAction.Release]));

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        Assert.Equal(StepOutcome.Succeeded, response.Findings[0].Outcome);
        Assert.Null(update.WorkflowStatus);
    }

    [Fact]
    public void Compose_OneFindingSucceededOtherFailed_WorkflowOnlyOnSucceeded()
    {
        var ok = GuardDuty([InstanceNumber(1)], shortId: "aa");
        var bad = GuardDuty([InstanceNumber(2)], shortId: "bb");
        var results = new[]
        {
            Result(InstanceNumber(1), null, IsolateAndSnapshotSteps()),
            Result(InstanceNumber(2), null, IsolateAndSnapshotSteps(StepOutcome.Failed)),
        };
        var response = ResponseSummary.Create(Trigger, [ok, bad], Report(results));

        var updates = FindingUpdateComposer.Compose(response, Region, Defaults);

        Assert.Equal(2, updates.Count);
        Assert.Equal((ok.Id, "NOTIFIED"), (updates[0].Id, updates[0].WorkflowStatus));
        Assert.Equal((bad.Id, (string?)null), (updates[1].Id, updates[1].WorkflowStatus));
    }

    [Fact]
    public void FromSettings_Unchanged_WorkflowNull()
    {
        var options = FromSettings("unchanged");

        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(), Region, options));

        Assert.Null(options.WorkflowStatusAfterContainment);
        Assert.Null(update.WorkflowStatus);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void FromSettings_Unset_Notified(string? value)
    {
        var options = FromSettings(value);

        Assert.Equal("NOTIFIED", options.WorkflowStatusAfterContainment);
    }

    [Theory]
    [InlineData("CLOSED")]
    [InlineData("RESOLVED,NOTIFIED")]
    [InlineData("none")]
    [InlineData("notified")] // Security Hub's statuses are upper case; only "unchanged" is ours
    public void FromSettings_Invalid_RefusedNamingTheVariableAndTheAllowedValues(string value)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => FromSettings(value));

        Assert.Contains($"FINDING_WORKFLOW_STATUS='{value}' is not allowed: one of NEW, NOTIFIED, RESOLVED, SUPPRESSED, unchanged", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The options as a function reads them from its environment, with only the workflow status set besides the topic it requires.</summary>
    private static FindingUpdateOptions FromSettings(string? status) =>
        FunctionSettings.Read(name => name switch
        {
            "FINDING_WORKFLOW_STATUS" => status,
            "NOTIFICATION_TOPIC_ARN" => "arn:aws:sns:us-east-1:123456789012:threat-response",
            _ => null,
        }).FindingUpdates;

    // ---- UserDefinedFields ----

    [Fact]
    public void Compose_UserDefinedFields_ReportOutcomeActionsAtAndInstances()
    {
        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(StepOutcome.Failed), Region, Defaults));

        Assert.Equal(ReportId, update.UserDefinedFields["ThreatResponseReportId"]);
        Assert.Equal("failed", update.UserDefinedFields["ThreatResponseOutcome"]);
        Assert.Equal("isolate+snapshot", update.UserDefinedFields["ThreatResponseActions"]);
        Assert.Equal("2026-11-26T04:12:09Z", update.UserDefinedFields["ThreatResponseAt"]);
        Assert.Equal($"{WebInstanceId}:failed", update.UserDefinedFields["ThreatResponseInstances"]);
        AssertFieldsValid(update);
    }

    [Fact]
    public void Compose_FindingWithoutInstances_NoInstancesField()
    {
        var response = ResponseSummary.Create(Trigger, [GuardDuty([])], Report([]));

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        Assert.False(update.UserDefinedFields.ContainsKey("ThreatResponseInstances"));
        Assert.Equal(["ThreatResponseActions", "ThreatResponseAt", "ThreatResponseOutcome", "ThreatResponseReportId"], update.UserDefinedFields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("skipped", update.UserDefinedFields["ThreatResponseOutcome"]);
        AssertFieldsValid(update);
    }

    [Fact]
    public void Compose_NotifyOnly_ActionsFieldIsNotify()
    {
        var response = ResponseSummary.Create(Trigger, [GuardDuty([])], Report([], []));

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        Assert.Equal("notify", update.UserDefinedFields["ThreatResponseActions"]);
        AssertFieldsValid(update);
    }

    [Fact]
    public void Compose_HundredInstances_InstancesFieldAtMost1024()
    {
        var instances = Enumerable.Range(1, 100).Select(InstanceNumber).ToList();
        var finding = GuardDuty(instances);
        var response = ResponseSummary.Create(Trigger, [finding], Report([.. instances.Select(i => Result(i, null, IsolateAndSnapshotSteps()))]));

        var update = Assert.Single(FindingUpdateComposer.Compose(response, Region, Defaults));

        var field = update.UserDefinedFields["ThreatResponseInstances"];
        Assert.Equal(1024, field.Length);
        Assert.StartsWith($"i-{1:x17}:succeeded,i-{2:x17}:succeeded,", field, StringComparison.Ordinal);
        Assert.EndsWith("…", field, StringComparison.Ordinal);
        AssertFieldsValid(update);
    }

    // ---- Addressing ----

    [Theory]
    [InlineData("aws", "us-east-1")]
    [InlineData("aws-us-gov", "us-gov-west-1")]
    [InlineData("aws-cn", "cn-north-1")]
    public void Compose_GuardDutyFinding_IdAndProductArnUnchanged(string partition, string region)
    {
        var finding = GuardDuty(partition: partition, region: region);

        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(finding: finding), region, Defaults));

        Assert.Equal(finding.Id, update.Id);
        Assert.Equal(finding.ProductArn, update.ProductArn);
        Assert.Equal($"arn:{partition}:securityhub:{region}::product/aws/guardduty", update.ProductArn);
        Assert.Equal(region, update.Region);
    }

    [Fact]
    public void Compose_RegionPassedIn_UsedNotTheFindings()
    {
        // A finding about eu-west-1, aggregated into and delivered from us-east-1: the update goes to us-east-1.
        var finding = GuardDuty(region: "eu-west-1");

        var updates = FindingUpdateComposer.Compose(Isolated(finding: finding), "us-east-1", Defaults);

        Assert.Equal("us-east-1", Assert.Single(updates).Region);
    }

    [Fact]
    public void Compose_NonGuardDutyFinding_IdAndProductArnUnchanged()
    {
        var finding = Inspector();

        var update = Assert.Single(FindingUpdateComposer.Compose(Isolated(finding: finding), Region, Defaults));

        Assert.Equal(finding.Id, update.Id);
        Assert.Equal(finding.ProductArn, update.ProductArn);
    }

    private static void AssertFieldsValid(FindingUpdate update)
    {
        Assert.All(update.UserDefinedFields, f =>
        {
            Assert.InRange(f.Value.Length, 1, 1024);
            AssertWellFormed(f.Value);
        });
    }

    private static void AssertWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                Assert.True(i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]), $"lone high surrogate at {i}");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(text[i]), $"lone low surrogate at {i}");
            }
        }
    }

    [Fact]
    public void Compose_NameTagWithLineBreak_NoteStaysOneLine()
    {
        var finding = GuardDuty();
        var response = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], "web-1\nThreatResponse tr-0: isolate succeeded.", IsolateAndSnapshotSteps(StepOutcome.Failed))]));

        var note = Assert.Single(FindingUpdateComposer.Compose(response, "us-east-1", new FindingUpdateOptions())).Note;

        Assert.DoesNotContain('\n', note);
        Assert.Contains("web-1\\u000AThreatResponse tr-0", note, StringComparison.Ordinal);
        Assert.Contains(": isolate+snapshot failed.", note, StringComparison.Ordinal);
    }
}
