using System.Text;
using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Notifications;
using static ThreatResponse.Core.Tests.Notifications.Responses;

namespace ThreatResponse.Core.Tests.Notifications;

public sealed class NotificationComposerTests
{
    private const string Web1 = WebInstanceId + " (web-1)";
    private const string Why = " - " + GuardDutyType + " HIGH";

    // ---- Subject ----

    [Fact]
    public void Subject_OneInstanceIsolatedAndSnapshotted_SaysWhatWhichAndWhy()
    {
        var subject = NotificationComposer.Subject(Isolated());

        Assert.Equal("[ThreatResponse] Isolated+snapshotted " + Web1 + Why, subject);
        AssertSnsSubject(subject);
    }

    [Fact]
    public void Subject_OneInstanceFailed_SaysFailedToIsolate()
    {
        var finding = GuardDuty();
        var result = Result(finding.Instances[0], "web-1", IsolateAndSnapshotSteps(StepOutcome.Failed).Take(3).ToList());
        var response = ResponseSummary.Create(Trigger, [finding], Report([result], [ContainmentAction.Isolate]));

        var subject = NotificationComposer.Subject(response);

        Assert.Equal("[ThreatResponse] FAILED to isolate " + Web1 + Why, subject);
    }

    [Fact]
    public void Subject_OneInstanceSkipped_SaysSkippedWithReason()
    {
        var finding = GuardDuty(type: "Recon:EC2/Portscan");
        var result = Skipped(finding.Instances[0], "web-1", "instance not found");
        var response = ResponseSummary.Create(Trigger, [finding], Report([result], [ContainmentAction.Isolate]));

        var subject = NotificationComposer.Subject(response);

        Assert.Equal("[ThreatResponse] Skipped " + Web1 + ": instance not found - Recon:EC2/Portscan HIGH", subject);
    }

    [Fact]
    public void Subject_DryRun_SaysDryRunWouldIsolate()
    {
        var finding = GuardDuty();
        var result = Result(finding.Instances[0], "web-1", IsolateAndSnapshotSteps(StepOutcome.DryRun).Take(3).ToList());
        var response = ResponseSummary.Create(Trigger, [finding], Report([result], [ContainmentAction.Isolate], dryRun: true));

        var subject = NotificationComposer.Subject(response);

        // 100 characters in full: cut to stay under SNS's 100, the finding type's end giving way.
        Assert.Equal(100, ("[ThreatResponse] DRY RUN would isolate " + Web1 + Why).Length);
        Assert.Equal(("[ThreatResponse] DRY RUN would isolate " + Web1 + Why)[..96] + "...", subject);
        AssertSnsSubject(subject);
    }

    [Fact]
    public void Subject_ThreeInstancesOneFailed_CountsDoneAndFailed()
    {
        var finding = GuardDuty([InstanceNumber(1), InstanceNumber(2), InstanceNumber(3)]);
        var results = new[]
        {
            Result(InstanceNumber(1), "web-1", IsolateAndSnapshotSteps().Take(3).ToList()),
            Result(InstanceNumber(2), "web-2", IsolateAndSnapshotSteps(StepOutcome.Failed).Take(3).ToList()),
            Result(InstanceNumber(3), null, IsolateAndSnapshotSteps().Take(3).ToList()),
        };
        var response = ResponseSummary.Create(Trigger, [finding], Report(results, [ContainmentAction.Isolate]));

        var subject = NotificationComposer.Subject(response);

        Assert.Equal("[ThreatResponse] Isolated 2 of 3 instances, 1 FAILED" + Why, subject);
    }

    [Fact]
    public void Subject_FindingNamesNoInstance_SaysNoActionWithReason()
    {
        var finding = GuardDuty([], type: "Recon:IAMUser/MaliciousIPCaller");
        var response = ResponseSummary.Create(Trigger, [finding], Report([]));

        var subject = NotificationComposer.Subject(response);

        Assert.StartsWith("[ThreatResponse] No action: the finding names no EC2 instance", subject, StringComparison.Ordinal);
        AssertSnsSubject(subject);
    }

    [Fact]
    public void Subject_Release_SaysReleased()
    {
        var finding = GuardDuty();
        var steps = new List<StepResult>
        {
            Step(null, "lookup", null, StepOutcome.Succeeded, "running, 1 ENI(s), 1 volume(s)"),
            Step(ContainmentAction.Release, "restore-groups", Eni, StepOutcome.Succeeded, "sg-iso -> sg-0e1f2a3b4c5d60718"),
        };
        var response = ResponseSummary.Create("threat-response release", [finding], Report([Result(finding.Instances[0], "web-1", steps)], [ContainmentAction.Release]));

        var subject = NotificationComposer.Subject(response);

        Assert.Equal("[ThreatResponse] Released " + Web1 + Why, subject);
    }

    [Theory]
    [InlineData("wéb-1 — ünïcode")]
    [InlineData("web 🚀🔥 rocket")]
    [InlineData("web-1\nInjected: header\r\nmore")]
    [InlineData("tab\there\u0000nul\u007fdel\u2028sep")]
    public void Subject_NameTagNotPrintableAscii_IsPrintableAsciiWithoutLineBreaks(string name)
    {
        var finding = GuardDuty();
        var response = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], name, IsolateAndSnapshotSteps())]));

        var subject = NotificationComposer.Subject(response);

        AssertSnsSubject(subject);
        Assert.StartsWith("[ThreatResponse] Isolated+snapshotted " + WebInstanceId + " (", subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_FindingType300CharactersAndOddName_TruncatedUnder100WithEllipsis()
    {
        var finding = GuardDuty(type: "Backdoor:EC2/" + new string('X', 287));
        var response = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], "wéb\n🚀", IsolateAndSnapshotSteps())]));

        var subject = NotificationComposer.Subject(response);

        Assert.Equal(300, finding.Type.Length);
        Assert.Equal(99, subject.Length); // SNS: "must be less than 100 characters"
        Assert.EndsWith("...", subject, StringComparison.Ordinal);
        Assert.StartsWith("[ThreatResponse] Isolated+snapshotted " + WebInstanceId, subject, StringComparison.Ordinal);
        AssertSnsSubject(subject);
    }

    [Theory]
    [InlineData("web-1\n  Outcome:   succeeded")]
    [InlineData("web-1\r\n  Outcome:   succeeded")]
    [InlineData("web-1\u2028  Outcome:   succeeded")]
    [InlineData("web-1\u0085  Outcome:   succeeded")]
    public void Compose_NameTagWithLineBreak_CannotForgeALineOfTheEmail(string name)
    {
        var finding = GuardDuty();
        var response = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], name, IsolateAndSnapshotSteps(StepOutcome.Failed))]));

        var text = NotificationComposer.Compose(response, FitsBudget).Text;

        var outcomeLines = text.Split('\n').Where(l => l.TrimStart().StartsWith("Outcome:", StringComparison.Ordinal)).ToList();
        Assert.Equal(["  Outcome:   failed"], outcomeLines);
        Assert.Contains("web-1\\u", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', text);
        Assert.DoesNotContain('\u2028', text);
    }

    [Fact]
    public void Compose_Subject_SaysWhatWhichAndWhy()
    {
        var notification = NotificationComposer.Compose(Isolated(), FitsBudget);

        Assert.Equal("[ThreatResponse] Isolated+snapshotted " + Web1 + Why, notification.Subject);
    }

    // ---- Text ----

    [Fact]
    public void Compose_Text_SaysWhereWhatAndWhy()
    {
        var text = NotificationComposer.Compose(Isolated(), FitsBudget).Text;

        Assert.Contains("account " + Account, text, StringComparison.Ordinal);
        Assert.Contains("Region " + Region, text, StringComparison.Ordinal);
        Assert.Contains(Web1, text, StringComparison.Ordinal);
        Assert.Contains(GuardDutyType, text, StringComparison.Ordinal);
        Assert.Contains("severity HIGH (80)", text, StringComparison.Ordinal);
        Assert.Contains(ReportId, text, StringComparison.Ordinal);
        Assert.Contains(Trigger, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aws", "us-east-1", "https://us-east-1.console.aws.amazon.com")]
    [InlineData("aws-cn", "cn-north-1", "https://cn-north-1.console.amazonaws.cn")]
    [InlineData("aws-us-gov", "us-gov-west-1", "https://us-gov-west-1.console.amazonaws-us-gov.com")]
    public void Compose_GuardDutyFinding_TextLinksToGuardDutyConsoleWithShortId(string partition, string region, string host)
    {
        var finding = GuardDuty(partition: partition, region: region);
        var expected = $"{host}/guardduty/home?region={region}#/findings?macros=current&fId={ShortId}";

        var text = NotificationComposer.Compose(Isolated(finding: finding), FitsBudget).Text;

        Assert.Equal(expected, FindingLinks.ConsoleUrl(finding));
        Assert.Contains("Link:      " + expected + "\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_NonGuardDutyFinding_TextLinksToSecurityHubConsole()
    {
        var finding = Inspector();

        var text = NotificationComposer.Compose(Isolated(finding: finding), FitsBudget).Text;

        var url = FindingLinks.ConsoleUrl(finding);
        Assert.StartsWith("https://us-east-1.console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=", url, StringComparison.Ordinal);
        Assert.EndsWith(Uri.EscapeDataString(Uri.EscapeDataString(finding.Id)), url, StringComparison.Ordinal);
        Assert.DoesNotContain("guardduty", url, StringComparison.Ordinal);
        Assert.Contains("Link:      " + url + "\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aws-cn", "cn-northwest-1", "https://cn-northwest-1.console.amazonaws.cn/securityhub/home?region=cn-northwest-1#")]
    [InlineData("aws-us-gov", "us-gov-east-1", "https://us-gov-east-1.console.amazonaws-us-gov.com/securityhub/home?region=us-gov-east-1#")]
    public void ConsoleUrl_NonGuardDutyFindingInOtherPartition_UsesThatPartitionsConsole(string partition, string region, string prefix)
    {
        var finding = Inspector() with { Partition = partition, Region = region, Id = $"arn:{partition}:inspector2:{region}:{Account}:finding/abc", ProductArn = $"arn:{partition}:securityhub:{region}::product/aws/inspector" };

        Assert.StartsWith(prefix, FindingLinks.ConsoleUrl(finding), StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_Text_ListsEveryStepWithMarkAndErrorCodeOfFailedStep()
    {
        var text = NotificationComposer.Compose(Isolated(StepOutcome.Failed), FitsBudget).Text;

        Assert.Contains("[ok  ] lookup: running, 1 ENI(s), 1 volume(s)\n", text, StringComparison.Ordinal);
        Assert.Contains("[ok  ] conversion-group " + Eni + ": sg-0e1f2a3b4c5d60718 -> sg-conv\n", text, StringComparison.Ordinal);
        Assert.Contains("[FAIL] isolation-group " + Eni + ": InternalError ModifyNetworkInterfaceAttribute: InternalError: boom\n", text, StringComparison.Ordinal);
        Assert.Contains("[ok  ] snapshot vol-0123456789abcdef0: snap-0123456789abcdef0 (1 volume(s))\n", text, StringComparison.Ordinal);
        Assert.Contains("Instance " + Web1 + ": failed", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_SkippedAndDryRunSteps_MarkedSkipAndDry()
    {
        var finding = GuardDuty();
        var steps = new List<StepResult>
        {
            Step(null, "lookup", null, StepOutcome.Succeeded, "running"),
            Step(ContainmentAction.Isolate, "conversion-group", Eni, StepOutcome.Skipped, "already in the isolation group"),
            Step(ContainmentAction.Isolate, "isolation-group", Eni, StepOutcome.DryRun, "DryRunOperation"),
        };
        var response = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], "web-1", steps)], [ContainmentAction.Isolate], dryRun: true));

        var text = NotificationComposer.Compose(response, FitsBudget).Text;

        Assert.Contains("[skip] conversion-group " + Eni + ": already in the isolation group\n", text, StringComparison.Ordinal);
        Assert.Contains("[dry ] isolation-group " + Eni + ": DryRunOperation\n", text, StringComparison.Ordinal);
        Assert.Contains("dry run: nothing was changed", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_FindingUpdatesUnprocessed_TextHasFailedUpdatesSection()
    {
        var response = Isolated();
        var finding = response.Findings[0].Finding;
        var updates = new FindingUpdateResult(0, [new UnprocessedFinding(finding.Id, finding.ProductArn, "FindingNotFound", "The finding was not found", WorthRetrying: false)]);

        var notification = NotificationComposer.Compose(response, FitsBudget, updates);

        Assert.Contains("\nFINDING UPDATES THAT FAILED\n", notification.Text, StringComparison.Ordinal);
        Assert.Contains($"  {finding.Id}: FindingNotFound The finding was not found\n", notification.Text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(notification.Json);
        var failed = Assert.Single(json.RootElement.GetProperty("findingUpdatesFailed").EnumerateArray());
        Assert.Equal("FindingNotFound", failed.GetProperty("errorCode").GetString());
    }

    [Fact]
    public void Compose_FindingUpdatesAllProcessedOrNotAttempted_NoFailedUpdatesSection()
    {
        var response = Isolated();

        Assert.DoesNotContain("FINDING UPDATES THAT FAILED", NotificationComposer.Compose(response, FitsBudget, new FindingUpdateResult(1, [])).Text, StringComparison.Ordinal);
        Assert.DoesNotContain("FINDING UPDATES THAT FAILED", NotificationComposer.Compose(response, FitsBudget).Text, StringComparison.Ordinal);
    }

    // ---- Json ----

    [Fact]
    public void Compose_Json_ParsesWithReportFindingsAndSteps()
    {
        var response = Isolated(StepOutcome.Failed);

        var notification = NotificationComposer.Compose(response, FitsBudget);

        using var json = JsonDocument.Parse(notification.Json);
        var root = json.RootElement;
        Assert.Equal(ReportId, root.GetProperty("reportId").GetString());
        Assert.Equal(Trigger, root.GetProperty("trigger").GetString());
        Assert.Equal("failed", root.GetProperty("outcome").GetString());
        Assert.False(root.GetProperty("dryRun").GetBoolean());
        Assert.False(root.GetProperty("trimmed").GetBoolean());
        var finding = Assert.Single(root.GetProperty("findings").EnumerateArray());
        Assert.Equal(response.Findings[0].Finding.Id, finding.GetProperty("id").GetString());
        Assert.Equal(FindingLinks.ConsoleUrl(response.Findings[0].Finding), finding.GetProperty("consoleUrl").GetString());
        var instance = Assert.Single(root.GetProperty("report").GetProperty("instances").EnumerateArray());
        var steps = instance.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(4, steps.Count);
        Assert.Equal("InternalError", steps[2].GetProperty("errorCode").GetString());
        Assert.Contains(GuardDutyType, notification.Json, StringComparison.Ordinal);
    }

    // ---- Attributes ----

    [Fact]
    public void Compose_Attributes_ForFilterPolicies()
    {
        var high = GuardDuty([InstanceNumber(1)]);
        var critical = Inspector([InstanceNumber(2)], account: OtherAccount);
        var medium = GuardDuty([InstanceNumber(3)], severity: new Severity(SeverityLabel.Medium, 50), shortId: "5fd7");
        var results = new[]
        {
            Result(InstanceNumber(1), null, IsolateAndSnapshotSteps()),
            Result(InstanceNumber(2), null, IsolateAndSnapshotSteps()),
            Result(InstanceNumber(3), null, IsolateAndSnapshotSteps()),
        };
        var response = ResponseSummary.Create("ContainInstances", [high, critical, medium], Report(results));

        var attributes = NotificationComposer.Compose(response, FitsBudget).Attributes;

        Assert.Equal(["CRITICAL"], attributes["severity"]);
        Assert.Equal(["succeeded"], attributes["outcome"]);
        Assert.Equal(["isolate", "snapshot"], attributes["actions"]);
        Assert.Equal([Account, OtherAccount], attributes["account"]);
        Assert.Equal(["ContainInstances"], attributes["trigger"]);
        Assert.Equal(["false"], attributes["dryRun"]);
    }

    [Fact]
    public void Compose_DryRunFailedResponse_AttributesSayDryRunAndFailed()
    {
        var finding = GuardDuty();
        var steps = new List<StepResult>
        {
            Step(null, "lookup", null, StepOutcome.Succeeded, "running"),
            Step(ContainmentAction.Stop, "stop", null, StepOutcome.Failed, "UnauthorizedOperation: not allowed", "UnauthorizedOperation"),
        };
        var response = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], null, steps)], [ContainmentAction.Stop], dryRun: true));

        var attributes = NotificationComposer.Compose(response, FitsBudget).Attributes;

        Assert.Equal(["HIGH"], attributes["severity"]);
        Assert.Equal(["failed"], attributes["outcome"]);
        Assert.Equal(["stop"], attributes["actions"]);
        Assert.Equal([Account], attributes["account"]);
        Assert.Equal(["true"], attributes["dryRun"]);
    }

    // ---- Size ----

    [Fact]
    public void Compose_NormalResponse_NotTrimmed()
    {
        var notification = NotificationComposer.Compose(Isolated(StepOutcome.Failed), FitsBudget);

        Assert.False(notification.Trimmed);
        Assert.DoesNotContain("Detail was shortened", notification.Text, StringComparison.Ordinal);
        Assert.True(SnsBytes(notification) <= Budget);
    }

    [Fact]
    public void Compose_HundredInstancesFortyLongStepsFewFailed_TrimmedToFitWithFailedStepsKept()
    {
        var failed = new HashSet<(int Instance, int Step)> { (7, 12), (42, 3), (99, 39) };
        var response = Large(failed.Contains);

        var notification = NotificationComposer.Compose(response, FitsBudget);

        Assert.True(notification.Trimmed);
        Assert.True(SnsBytes(notification) <= Budget, $"{SnsBytes(notification)} bytes");
        Assert.Contains("Detail was shortened", notification.Text, StringComparison.Ordinal);
        foreach (var (instance, step) in failed)
        {
            Assert.Contains($"[FAIL] step-{step:00} eni-{instance:x17}: AccessDenied ", notification.Text, StringComparison.Ordinal);
        }

        // Every instance is still named, and the JSON says it was trimmed.
        for (var i = 1; i <= 100; i++)
        {
            Assert.Contains($"Instance i-{i:x17} (web-{i})", notification.Text, StringComparison.Ordinal);
        }

        using var json = JsonDocument.Parse(notification.Json);
        Assert.True(json.RootElement.GetProperty("trimmed").GetBoolean());
        AssertSnsSubject(notification.Subject);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(40)]
    public void Compose_HundredInstancesFortyLongSteps_FitsSnsAndNeverThrows(int failedStepsPerInstance)
    {
        var response = Large(s => s.Step < failedStepsPerInstance);

        var notification = NotificationComposer.Compose(response, FitsBudget);

        Assert.True(notification.Trimmed);
        Assert.True(SnsBytes(notification) <= Budget, $"{SnsBytes(notification)} bytes");
        using var json = JsonDocument.Parse(notification.Json);
        Assert.Equal(ReportId, json.RootElement.GetProperty("reportId").GetString());
        AssertSnsSubject(notification.Subject);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    public void Compose_HundredFindingsEachWithLongSteps_FitsSnsListsSomeAndCountsTheRest(int failedStepsPerInstance)
    {
        var large = Large(s => s.Step < failedStepsPerInstance);
        var findings = large.Report.Instances.Select(r => GuardDuty([r.Instance])).ToList();
        var response = ResponseSummary.Create(Trigger, findings, large.Report);

        var notification = NotificationComposer.Compose(response, FitsBudget);

        Assert.True(SnsBytes(notification) <= Budget, $"{SnsBytes(notification)} bytes");
        using var json = JsonDocument.Parse(notification.Json);
        var listed = json.RootElement.GetProperty("findings").GetArrayLength();
        Assert.Equal(100, listed + json.RootElement.GetProperty("findingsOmitted").GetInt32());
        Assert.Contains($"and {100 - listed} more findings", notification.Text, StringComparison.Ordinal);
    }

    /// <summary>One finding naming 100 instances; each instance has 40 steps of about 2,000 characters of detail.</summary>
    private static ResponseSummary Large(Func<(int Instance, int Step), bool> fails)
    {
        var instances = Enumerable.Range(1, 100).Select(InstanceNumber).ToList();
        var finding = GuardDuty(instances);
        var results = instances.Select((instance, index) =>
        {
            var n = index + 1;
            var steps = Enumerable.Range(0, 40).Select(s =>
            {
                var failed = fails((n, s));
                var detail = $"step {s} on instance {n}: " + string.Concat(Enumerable.Repeat("sg-0123456789abcdef0 ", 95));
                return Step(
                    ContainmentAction.Isolate,
                    $"step-{s:00}",
                    $"eni-{n:x17}",
                    failed ? StepOutcome.Failed : StepOutcome.Succeeded,
                    failed ? "ModifyNetworkInterfaceAttribute: AccessDenied: " + detail : detail,
                    failed ? "AccessDenied" : null);
            }).ToList();
            return Result(instance, $"web-{n}", steps);
        }).ToList();
        return ResponseSummary.Create(Trigger, [finding], Report(results, [ContainmentAction.Isolate], findingId: finding.Id));
    }

    [Fact]
    public void Compose_StepsNotReachedInTimeAndWorkThatWaited_SaysSoInEveryBody()
    {
        var finding = GuardDuty();
        var notReached = Step(ContainmentAction.Isolate, "conversion-group", Eni, StepOutcome.Failed,
            "ModifyNetworkInterfaceAttribute: NotReachedInTime: not reached in time: throttled (3 attempt(s) made)", ResponseDeadline.NotReachedInTime);
        var result = Result(finding.Instances[0], "web-1", [.. IsolateAndSnapshotSteps().Take(2), notReached]);
        var report = Report([result], [ContainmentAction.Isolate], findingId: finding.Id) with { Deferred = new DeferredWork(["tag", "snapshot"], 12, 41_200) };

        var notification = NotificationComposer.Compose(ResponseSummary.Create(Trigger, [finding], report), FitsBudget);

        Assert.Contains("NOT REACHED IN TIME", notification.Text, StringComparison.Ordinal);
        Assert.Contains("not reached in time: throttled by EC2's request limits", notification.Text, StringComparison.Ordinal);
        Assert.Contains("Lambda's retry resumes where it stopped", notification.Text, StringComparison.Ordinal);
        Assert.Contains("WAITED FOR CONTAINMENT", notification.Text, StringComparison.Ordinal);
        Assert.Contains("tag, snapshot of 12 instance(s) waited up to 41.2 s", notification.Text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(notification.Json);
        Assert.Contains(WebInstanceId, json.RootElement.GetProperty("notReachedInTime").GetString(), StringComparison.Ordinal);
        Assert.Equal(41_200, json.RootElement.GetProperty("report").GetProperty("deferred").GetProperty("longestWaitMs").GetInt64());
        Assert.Contains("Not reached in time", notification.Chat, StringComparison.Ordinal);
    }

    /// <summary>
    /// What the message costs against SNS's limit: the text twice, the JSON three times and the chat body once (the protocols' copies), with
    /// a tenth for escaping, plus the subject and the attributes (name, data type and value).
    /// </summary>
    /// <summary>The budget these tests compose against: SNS's 256 KiB less 4 KiB, by this file's own estimate of escaping.</summary>
    private const int Budget = 256 * 1024 - 4 * 1024;

    private static bool FitsBudget(Notification notification) => SnsBytes(notification) <= Budget;

    private static double SnsBytes(Notification notification)
    {
        var bodies = (2.0 * Encoding.UTF8.GetByteCount(notification.Text)) + (3.0 * Encoding.UTF8.GetByteCount(notification.Json)) + Encoding.UTF8.GetByteCount(notification.Chat);
        var attributes = notification.Attributes.Sum(a =>
            Encoding.UTF8.GetByteCount(a.Key)
            + (a.Value.Count == 1 ? "String".Length + Encoding.UTF8.GetByteCount(a.Value[0]) : "String.Array".Length + Encoding.UTF8.GetByteCount("[" + string.Join(",", a.Value.Select(v => $"\"{v}\"")) + "]")));
        return (bodies * 1.1) + Encoding.UTF8.GetByteCount(notification.Subject) + attributes;
    }

    private static void AssertSnsSubject(string subject)
    {
        Assert.InRange(subject.Length, 1, 99);
        Assert.All(subject, c => Assert.InRange(c, ' ', '~'));
        Assert.DoesNotContain('\n', subject);
        Assert.DoesNotContain('\r', subject);
    }
}
