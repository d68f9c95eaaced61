using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using static ThreatResponse.Core.Tests.Notifications.Responses;

namespace ThreatResponse.Core.Tests.Notifications;

public sealed class ResponseSummaryTests
{
    [Fact]
    public void Create_FindingWithoutInstances_SkippedNamesNoInstance()
    {
        var finding = GuardDuty([]);

        var response = ResponseSummary.Create(Trigger, [finding], Report([]));

        var outcome = Assert.Single(response.Findings);
        Assert.Same(finding, outcome.Finding);
        Assert.Equal(StepOutcome.Skipped, outcome.Outcome);
        Assert.Contains("names no EC2 instance", outcome.Summary, StringComparison.Ordinal);
        Assert.Empty(outcome.Instances);
        Assert.Equal(StepOutcome.Skipped, response.Outcome);
        Assert.Equal(Trigger, response.Trigger);
    }

    [Fact]
    public void Create_NotActedOnGivesReason_SkippedWithThatReason()
    {
        var sample = GuardDuty([InstanceNumber(1)], shortId: "aa") with { Sample = true };
        var real = GuardDuty([InstanceNumber(2)], shortId: "bb");
        var report = Report([Result(InstanceNumber(2), "web-2", IsolateAndSnapshotSteps())]);

        var response = ResponseSummary.Create(Trigger, [sample, real], report, f => f.Sample ? "sample finding: never contained" : null);

        Assert.Equal(2, response.Findings.Count);
        Assert.Equal(StepOutcome.Skipped, response.Findings[0].Outcome);
        Assert.Equal("sample finding: never contained", response.Findings[0].Summary);
        Assert.Empty(response.Findings[0].Instances);
        Assert.Equal(StepOutcome.Succeeded, response.Findings[1].Outcome);
        Assert.Equal(StepOutcome.Succeeded, response.Outcome);
    }

    [Fact]
    public void Create_InstancesMatchedToTheReportsResults()
    {
        var a = GuardDuty([InstanceNumber(1), InstanceNumber(2)], shortId: "aa");
        var b = GuardDuty([InstanceNumber(3)], shortId: "bb");
        var r1 = Result(InstanceNumber(1), "web-1", IsolateAndSnapshotSteps());
        var r2 = Result(InstanceNumber(2), null, IsolateAndSnapshotSteps(StepOutcome.Failed));
        var r3 = Result(InstanceNumber(3), "db-1", IsolateAndSnapshotSteps());

        var response = ResponseSummary.Create(Trigger, [a, b], Report([r3, r1, r2]));

        Assert.Equal([r1, r2], response.Findings[0].Instances);
        Assert.Equal(StepOutcome.Failed, response.Findings[0].Outcome);
        Assert.Equal(
            $"i-{1:x17} (web-1): succeeded; i-{2:x17}: FAILED (isolation-group {Eni}: ModifyNetworkInterfaceAttribute: InternalError: boom)",
            response.Findings[0].Summary);
        Assert.Equal([r3], response.Findings[1].Instances);
        Assert.Equal(StepOutcome.Succeeded, response.Findings[1].Outcome);
        Assert.Equal($"i-{3:x17} (db-1): succeeded", response.Findings[1].Summary);
        Assert.Equal(StepOutcome.Failed, response.Outcome);
    }

    [Fact]
    public void Create_SameInstanceIdInAnotherAccount_NotMatched()
    {
        var finding = GuardDuty([Instance(account: OtherAccount)], account: OtherAccount);
        var report = Report([Result(Instance(), "web-1", IsolateAndSnapshotSteps()), Result(Instance(account: OtherAccount), "other", IsolateAndSnapshotSteps(StepOutcome.Failed))]);

        var response = ResponseSummary.Create(Trigger, [finding], report);

        var instance = Assert.Single(response.Findings[0].Instances);
        Assert.Equal(OtherAccount, instance.Instance.Account);
        Assert.Equal(StepOutcome.Failed, response.Findings[0].Outcome);
    }

    [Theory]
    [InlineData(new[] { StepOutcome.Succeeded, StepOutcome.Failed }, StepOutcome.Failed)]
    [InlineData(new[] { StepOutcome.DryRun, StepOutcome.Failed }, StepOutcome.Failed)]
    [InlineData(new[] { StepOutcome.DryRun, StepOutcome.Succeeded }, StepOutcome.DryRun)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Succeeded }, StepOutcome.Succeeded)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Skipped }, StepOutcome.Skipped)]
    public void Create_FindingOutcomeOverItsInstances_WorstFirstSkippedOnlyWhenAll(StepOutcome[] instanceOutcomes, StepOutcome expected)
    {
        var instances = instanceOutcomes.Select((_, i) => InstanceNumber(i + 1)).ToList();
        var results = instanceOutcomes.Select((o, i) => o switch
        {
            StepOutcome.Skipped => Skipped(instances[i], null, "instance not found"),
            StepOutcome.Failed => Result(instances[i], null, IsolateAndSnapshotSteps(StepOutcome.Failed)),
            StepOutcome.DryRun => Result(instances[i], null, IsolateAndSnapshotSteps(StepOutcome.DryRun)),
            _ => Result(instances[i], null, IsolateAndSnapshotSteps()),
        }).ToList();

        var response = ResponseSummary.Create(Trigger, [GuardDuty(instances)], Report(results));

        Assert.Equal(instanceOutcomes, response.Findings[0].Instances.Select(r => r.Outcome));
        Assert.Equal(expected, response.Findings[0].Outcome);
    }

    [Theory]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Succeeded, StepOutcome.DryRun, StepOutcome.Failed }, StepOutcome.Failed)]
    [InlineData(new[] { StepOutcome.Failed, StepOutcome.Skipped }, StepOutcome.Failed)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Succeeded, StepOutcome.DryRun }, StepOutcome.DryRun)]
    [InlineData(new[] { StepOutcome.Succeeded, StepOutcome.DryRun }, StepOutcome.DryRun)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Succeeded }, StepOutcome.Succeeded)]
    [InlineData(new[] { StepOutcome.Succeeded }, StepOutcome.Succeeded)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Skipped }, StepOutcome.Skipped)]
    [InlineData(new StepOutcome[0], StepOutcome.Skipped)]
    public void Outcome_OverFindings_FailedThenDryRunThenSucceededThenSkipped(StepOutcome[] findingOutcomes, StepOutcome expected)
    {
        var findings = findingOutcomes.Select((o, i) => new FindingOutcome(GuardDuty(shortId: $"f{i}"), o, o.Text(), [])).ToList();

        var response = new ResponseSummary(Trigger, Report([]), findings);

        Assert.Equal(expected, response.Outcome);
    }

    [Theory]
    [InlineData("web-1", "i-0a1b2c3d4e5f60718 (web-1)")]
    [InlineData(null, "i-0a1b2c3d4e5f60718")]
    public void Describe_WithAndWithoutName(string? name, string expected)
    {
        Assert.Equal(expected, ResponseSummary.Describe(Result(Instance(), name, IsolateAndSnapshotSteps())));
    }
}
