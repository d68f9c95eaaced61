using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Core.Tests.Notifications;

/// <summary>Findings, instance results and reports built inline, shaped as the intake and the engine produce them.</summary>
internal static class Responses
{
    public const string Account = "123456789012";
    public const string OtherAccount = "210987654321";
    public const string Region = "us-east-1";
    public const string ReportId = "tr-0193f2c4d5e6f708a9b0c1d2e3f40516";
    public const string Trigger = "GuardDutyResponder";
    public const string GuardDutyType = "Backdoor:EC2/C&CActivity.B";
    public const string ShortId = "4ec6f2b1a9d84e0c9e8f7a6b5c4d3e2f";
    public const string WebInstanceId = "i-0a1b2c3d4e5f60718";
    public const string Eni = "eni-0b1c2d3e4f5a60718";

    public static readonly DateTimeOffset StartedAt = new(2026, 11, 26, 4, 12, 9, TimeSpan.Zero);

    public static InstanceReference Instance(string id = WebInstanceId, string account = Account, string region = Region) =>
        new(InstanceId.Parse(id), account, region);

    /// <summary>A distinct well-formed instance id (17 hex digits) per number.</summary>
    public static InstanceReference InstanceNumber(int n) => Instance($"i-{n:x17}");

    /// <summary>A GuardDuty finding as <c>GuardDutyFindingReader</c> makes one: the finding ARN as id, GuardDuty's product ARN.</summary>
    public static Finding GuardDuty(
        IReadOnlyList<InstanceReference>? instances = null,
        string type = GuardDutyType,
        Severity? severity = null,
        string account = Account,
        string region = Region,
        string partition = "aws",
        string shortId = ShortId) =>
        new(
            $"arn:{partition}:guardduty:{region}:{account}:detector/12c5e1a7b3d94f6e8a0b2c4d6e8f0a1b/finding/{shortId}",
            $"arn:{partition}:securityhub:{region}::product/aws/guardduty",
            FindingSource.GuardDuty,
            type,
            severity ?? Severity.FromGuardDutyScore(8),
            account,
            region,
            partition,
            ResourceRole.Actor,
            false,
            instances ?? [Instance(account: account, region: region)]);

    /// <summary>An Inspector finding relayed by Security Hub: its id also has a <c>/finding/</c> segment, but it is not GuardDuty's.</summary>
    public static Finding Inspector(IReadOnlyList<InstanceReference>? instances = null, string account = Account, Severity? severity = null) =>
        new(
            $"arn:aws:inspector2:{Region}:{account}:finding/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            $"arn:aws:securityhub:{Region}::product/aws/inspector",
            FindingSource.SecurityHub,
            "Software and Configuration Checks/Vulnerabilities/CVE",
            severity ?? new Severity(SeverityLabel.Critical, 95),
            account,
            Region,
            "aws",
            null,
            false,
            instances ?? [Instance(account: account)]);

    public static StepResult Step(ContainmentAction? action, string step, string? target, StepOutcome outcome, string? detail, string? errorCode = null) =>
        new(action, step, target, outcome, detail, errorCode, 25);

    /// <summary>Lookup, isolation (two steps) and snapshot, as the engine reports them; the isolation group step has the given outcome.</summary>
    public static List<StepResult> IsolateAndSnapshotSteps(StepOutcome isolation = StepOutcome.Succeeded) =>
    [
        Step(null, "lookup", null, StepOutcome.Succeeded, "running, 1 ENI(s), 1 volume(s)"),
        Step(ContainmentAction.Isolate, "conversion-group", Eni, isolation == StepOutcome.DryRun ? StepOutcome.DryRun : StepOutcome.Succeeded, "sg-0e1f2a3b4c5d60718 -> sg-conv"),
        Step(
            ContainmentAction.Isolate,
            "isolation-group",
            Eni,
            isolation,
            isolation == StepOutcome.Failed ? "ModifyNetworkInterfaceAttribute: InternalError: boom" : "-> sg-iso",
            isolation == StepOutcome.Failed ? "InternalError" : null),
        Step(ContainmentAction.Snapshot, "snapshot", "vol-0123456789abcdef0", isolation == StepOutcome.DryRun ? StepOutcome.DryRun : StepOutcome.Succeeded, "snap-0123456789abcdef0 (1 volume(s))"),
    ];

    /// <summary>An instance's result with the outcome and reason derived from its steps as the engine derives them.</summary>
    public static InstanceResult Result(InstanceReference instance, string? name, IReadOnlyList<StepResult> steps)
    {
        var outcome = steps.Any(s => s.Outcome == StepOutcome.Failed) ? StepOutcome.Failed
            : steps.Any(s => s.Outcome == StepOutcome.DryRun) ? StepOutcome.DryRun
            : steps.Where(s => s.Action is not null).All(s => s.Outcome == StepOutcome.Skipped) ? StepOutcome.Skipped
            : StepOutcome.Succeeded;
        var reason = outcome switch
        {
            StepOutcome.Failed => string.Join("; ", steps.Where(s => s.Outcome == StepOutcome.Failed).Select(s => $"{s.Step}{(s.Target is null ? "" : " " + s.Target)}: {s.Detail}")),
            StepOutcome.Skipped => string.Join("; ", steps.Where(s => s.Outcome == StepOutcome.Skipped).Select(s => s.Detail)),
            _ => null,
        };
        return new InstanceResult(instance, name, outcome, reason, steps);
    }

    /// <summary>An instance the engine skipped before acting (exempt, gone, not found).</summary>
    public static InstanceResult Skipped(InstanceReference instance, string? name, string reason) =>
        new(instance, name, StepOutcome.Skipped, reason, [Step(null, "skip", null, StepOutcome.Skipped, reason)]);

    public static ContainmentReport Report(
        IReadOnlyList<InstanceResult> instances,
        IReadOnlyList<ContainmentAction>? actions = null,
        bool dryRun = false,
        string? findingId = null) =>
        new(
            ReportId,
            findingId,
            actions ?? [ContainmentAction.Isolate, ContainmentAction.Snapshot],
            dryRun,
            StartedAt,
            StartedAt.AddMilliseconds(180),
            instances.Any(r => r.Outcome == StepOutcome.Failed) ? StepOutcome.Failed
                : instances.Count > 0 && instances.All(r => r.Outcome == StepOutcome.Skipped) ? StepOutcome.Skipped
                : instances.Any(r => r.Outcome == StepOutcome.DryRun) ? StepOutcome.DryRun
                : StepOutcome.Succeeded,
            instances);

    /// <summary>The common case: one GuardDuty finding, its instance <c>web-1</c> isolated and snapshotted.</summary>
    public static ResponseSummary Isolated(StepOutcome isolation = StepOutcome.Succeeded, Finding? finding = null)
    {
        finding ??= GuardDuty();
        var result = Result(finding.Instances[0], "web-1", IsolateAndSnapshotSteps(isolation));
        return ResponseSummary.Create(Trigger, [finding], Report([result], dryRun: isolation == StepOutcome.DryRun, findingId: finding.Id));
    }
}
