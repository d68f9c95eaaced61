using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Aws.Tests.Notifications;

/// <summary>A response as the pipeline produces one: the project's sample GuardDuty finding and a report for its instance.</summary>
internal static class SampleResponses
{
    public static Finding GuardDutyFinding()
    {
        var result = FindingEventParser.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "events", "guardduty-backdoor-c2-web-instance.json")));
        return Assert.Single(result.Event!.Findings);
    }

    public static ResponseSummary Isolated(StepOutcome isolationOutcome = StepOutcome.Succeeded)
    {
        var finding = GuardDutyFinding();
        var instance = finding.Instances[0];
        var steps = new List<StepResult>
        {
            new(null, "lookup", null, StepOutcome.Succeeded, "running, 1 ENI(s), 1 volume(s)", null, 20),
            new(ContainmentAction.Isolate, "conversion-group", "eni-0b1c2d3e4f5a60718", StepOutcome.Succeeded, "sg-0e1f2a3b4c5d60718 -> sg-conv", null, 30),
            new(ContainmentAction.Isolate, "isolation-group", "eni-0b1c2d3e4f5a60718", isolationOutcome, isolationOutcome == StepOutcome.Failed ? "ModifyNetworkInterfaceAttribute: InternalError: boom" : "-> sg-iso", isolationOutcome == StepOutcome.Failed ? "InternalError" : null, 25),
            new(ContainmentAction.Snapshot, "snapshot", "vol-1", StepOutcome.Succeeded, "snap-1 (1 volume(s))", null, 40),
        };
        var now = DateTimeOffset.Parse("2026-11-26T04:12:09Z", System.Globalization.CultureInfo.InvariantCulture);
        var report = new ContainmentReport(
            "tr-0193f2c4d5e6f708a9b0c1d2e3f40516", finding.Id, [ContainmentAction.Isolate, ContainmentAction.Snapshot], false, now, now.AddMilliseconds(180),
            isolationOutcome, [new InstanceResult(instance, "web-1", isolationOutcome, null, steps)]);
        return ResponseSummary.Create("GuardDutyResponder", [finding], report);
    }
}
