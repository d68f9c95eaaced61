using System.Text.Json;
using System.Text.RegularExpressions;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using static ThreatResponse.Core.Tests.Notifications.Responses;

namespace ThreatResponse.Core.Tests.Notifications;

/// <summary>The chat body (<see cref="Notification.Chat"/>) as the composer writes it, read back as the chat service would.</summary>
public sealed partial class ChatNotificationComposerTests
{
    private const string ReleaseCommand = $"`threat-response release --instance {WebInstanceId} --account {Account} --region {Region}`";

    [Fact]
    public void Compose_InstanceIsolated_ChatHasEveryFieldOfTheSchema()
    {
        var response = Isolated();

        using var chat = Chat(response);

        var root = chat.RootElement;
        Assert.Equal(["version", "source", "content", "metadata"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("1.0", root.GetProperty("version").GetString());
        Assert.Equal("custom", root.GetProperty("source").GetString());
        var content = root.GetProperty("content");
        Assert.Equal(["textType", "title", "description", "nextSteps", "keywords"], content.EnumerateObject().Select(p => p.Name));
        Assert.Equal("client-markdown", content.GetProperty("textType").GetString());
        var metadata = root.GetProperty("metadata");
        Assert.Equal(["threadId", "summary", "eventType", "relatedResources", "additionalContext"], metadata.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ThreatResponse", metadata.GetProperty("eventType").GetString());
    }

    [Fact]
    public void Compose_InstanceIsolated_TitleSaysOutcomeAndInstance()
    {
        using var chat = Chat(Isolated());

        Assert.Equal($":white_check_mark: Isolated+snapshotted {WebInstanceId} (web-1)", Content(chat, "title"));
    }

    [Fact]
    public void Compose_InstanceIsolated_DescriptionSaysWhatWasDoneToWhichInstanceAndWhy()
    {
        using var chat = Chat(Isolated());

        var description = Content(chat, "description");
        Assert.Contains($"*Outcome:* succeeded · *Actions:* isolate+snapshot · *Trigger:* `{Trigger}` · *Report:* `{ReportId}`", description, StringComparison.Ordinal);
        Assert.Contains($"*Finding* `{GuardDutyType}`: severity *HIGH* (80), account `{Account}`, Region `{Region}`, the instance is the ACTOR", description, StringComparison.Ordinal);
        Assert.Contains($"• {WebInstanceId} `web-1`: *succeeded*\n      ok: conversion-group, isolation-group, snapshot", description, StringComparison.Ordinal);
        Assert.DoesNotContain("lookup", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_InstanceIsolated_NextStepsAreTheReleaseTheRunbookAndTheConsole()
    {
        var response = Isolated();

        using var chat = Chat(response);

        var steps = Strings(chat.RootElement.GetProperty("content").GetProperty("nextSteps"));
        Assert.Contains(steps, s => s.Contains("*Actions* → *Release isolation*", StringComparison.Ordinal));
        Assert.Contains(ReleaseCommand, steps);
        Assert.Contains(steps, s => s.StartsWith("Runbook: docs/runbook.md, the operator's runbook", StringComparison.Ordinal));
        Assert.Contains(
            $"<{FindingLinks.ConsoleUrl(response.Findings[0].Finding)}|Open the finding in the console> · "
            + $"<https://{Region}.console.aws.amazon.com/ec2/home?region={Region}#InstanceDetails:instanceId={WebInstanceId}|Open {WebInstanceId} in the EC2 console>",
            steps);
    }

    [Fact]
    public void Compose_InstanceIsolated_KeywordsAndMetadataForFilteringAndThreading()
    {
        var response = Isolated();

        using var chat = Chat(response);

        Assert.Equal(["succeeded", "HIGH", "isolate+snapshot", Account, Region, Trigger], Strings(chat.RootElement.GetProperty("content").GetProperty("keywords")));
        var metadata = chat.RootElement.GetProperty("metadata");
        Assert.Equal(ChatNotificationComposer.ThreadId([response.Findings[0].Finding.Id]), metadata.GetProperty("threadId").GetString());
        Assert.Equal($"ThreatResponse: Isolated+snapshotted {WebInstanceId} (web-1) - {GuardDutyType} HIGH", metadata.GetProperty("summary").GetString());
        Assert.Equal([$"arn:aws:ec2:{Region}:{Account}:instance/{WebInstanceId}"], Strings(metadata.GetProperty("relatedResources")));
        var context = metadata.GetProperty("additionalContext");
        Assert.Equal(ReportId, context.GetProperty("reportId").GetString());
        Assert.Equal(Trigger, context.GetProperty("trigger").GetString());
        Assert.Equal("succeeded", context.GetProperty("outcome").GetString());
        Assert.Equal(response.Findings[0].Finding.Id, context.GetProperty("findingId").GetString());
    }

    [Fact]
    public void Compose_InstancesInTwoAccounts_OneReleaseCommandPerAccountAndRegion()
    {
        var here = new[] { InstanceNumber(1), InstanceNumber(2) };
        var there = Instance("i-0ffffffffffffffff", OtherAccount, "eu-west-1");
        var finding = GuardDuty([.. here, there]);
        var results = here.Append(there).Select(i => Result(i, null, IsolateAndSnapshotSteps())).ToList();
        var response = ResponseSummary.Create(Trigger, [finding], Report(results, findingId: finding.Id));

        using var chat = Chat(response);

        var steps = Strings(chat.RootElement.GetProperty("content").GetProperty("nextSteps"));
        Assert.Contains($"`threat-response release --instance {here[0].InstanceId} --instance {here[1].InstanceId} --account {Account} --region {Region}`", steps);
        Assert.Contains($"`threat-response release --instance i-0ffffffffffffffff --account {OtherAccount} --region eu-west-1`", steps);
        Assert.Contains("arn:aws:ec2:eu-west-1:210987654321:instance/i-0ffffffffffffffff", Strings(chat.RootElement.GetProperty("metadata").GetProperty("relatedResources")));
        Assert.Equal(":white_check_mark: Isolated+snapshotted 3 of 3 instances", Content(chat, "title"));
    }

    [Fact]
    public void Compose_FailedInThreeAccounts_NextStepsCountTheThirdAndKeepTheConsoleLinks()
    {
        var instances = new[] { Instance(account: Account), Instance("i-0ffffffffffffffff", OtherAccount), Instance("i-0eeeeeeeeeeeeeeee", "111122223333") };
        var finding = GuardDuty(instances);
        var results = instances.Select(i => Result(i, null, IsolateAndSnapshotSteps(StepOutcome.Failed))).ToList();
        var response = ResponseSummary.Create(Trigger, [finding], Report(results, findingId: finding.Id));

        using var chat = Chat(response);

        var steps = Strings(chat.RootElement.GetProperty("content").GetProperty("nextSteps"));
        Assert.Equal(ChatNotificationComposer.MaxNextSteps, steps.Count);
        Assert.EndsWith("(and the same for 1 more account/Region pairs: see the report)", steps[3], StringComparison.Ordinal);
        Assert.StartsWith("<https://", steps[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_IsolationFailed_TitleSaysFailedAndStepsSayHowToFinish()
    {
        using var chat = Chat(Isolated(StepOutcome.Failed));

        Assert.Equal($":rotating_light: FAILED to isolate+snapshot {WebInstanceId} (web-1)", Content(chat, "title"));
        Assert.Contains("*FAILED*: isolation-group `InternalError` · ok: conversion-group, snapshot", Content(chat, "description"), StringComparison.Ordinal);
        var steps = Strings(chat.RootElement.GetProperty("content").GetProperty("nextSteps"));
        Assert.StartsWith("Finish what failed", steps[0], StringComparison.Ordinal);
        Assert.Contains(ReleaseCommand, steps);
    }

    [Fact]
    public void Compose_DryRun_NoReleaseToOffer()
    {
        using var chat = Chat(Isolated(StepOutcome.DryRun));

        Assert.StartsWith(":information_source: DRY RUN would isolate+snapshot", Content(chat, "title"), StringComparison.Ordinal);
        var steps = Strings(chat.RootElement.GetProperty("content").GetProperty("nextSteps"));
        Assert.StartsWith("Dry run: nothing was changed", steps[0], StringComparison.Ordinal);
        Assert.DoesNotContain(steps, s => s.Contains("threat-response release", StringComparison.Ordinal) || s.Contains("Release isolation", StringComparison.Ordinal));
        Assert.Contains("dry-run", Strings(chat.RootElement.GetProperty("content").GetProperty("keywords")));
    }

    [Fact]
    public void Compose_Release_OffersToContainAgainNotToRelease()
    {
        var finding = GuardDuty();
        var result = Result(finding.Instances[0], "web-1", [Step(ContainmentAction.Release, "restore-groups", Eni, StepOutcome.Succeeded, "-> sg-0e1f2a3b4c5d60718")]);
        var response = ResponseSummary.Create("ReleaseInstanceAction", [finding], Report([result], [ContainmentAction.Release]));

        using var chat = Chat(response);

        Assert.Equal($":white_check_mark: Released {WebInstanceId} (web-1)", Content(chat, "title"));
        var steps = Strings(chat.RootElement.GetProperty("content").GetProperty("nextSteps"));
        Assert.Contains(steps, s => s.Contains("*Isolate instance*", StringComparison.Ordinal));
        Assert.DoesNotContain(steps, s => s.Contains("Release isolation", StringComparison.Ordinal));
        Assert.Equal(ThreadOf(Isolated(finding: finding)), chat.RootElement.GetProperty("metadata").GetProperty("threadId").GetString());
    }

    [Fact]
    public void ThreadId_SameFindingInAnyResponse_SameThread()
    {
        var finding = GuardDuty();

        var isolated = ThreadOf(Isolated(finding: finding));
        var failed = ThreadOf(Isolated(StepOutcome.Failed, finding));

        Assert.Equal(isolated, failed);
        Assert.Equal(ChatNotificationComposer.ThreadId([finding.Id, finding.Id]), isolated);
    }

    [Fact]
    public void ThreadId_OtherFinding_OtherThread()
    {
        var one = ThreadOf(Isolated(finding: GuardDuty()));
        var other = ThreadOf(Isolated(finding: GuardDuty(shortId: "0123456789abcdef0123456789abcdef")));
        var inspector = ThreadOf(Isolated(finding: Inspector()));

        Assert.Equal(3, new[] { one, other, inspector }.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2048)]
    public void ThreadId_AnyFindingIdLength_FixedShortAscii(int length)
    {
        var threadId = ChatNotificationComposer.ThreadId([new string('f', length)]);

        Assert.Matches(ThreadIdPattern(), threadId);
        Assert.Equal(47, threadId.Length);
    }

    [Fact]
    public void ThreadId_SameFindingsInAnyOrder_SameThread() =>
        Assert.Equal(ChatNotificationComposer.ThreadId(["a", "b"]), ChatNotificationComposer.ThreadId(["b", "a", "b"]));

    [Theory]
    [InlineData("<!channel> look")]
    [InlineData("@here web-1")]
    [InlineData("<https://evil.example|Release isolation>")]
    [InlineData("web`1\n*Outcome:* succeeded")]
    public void Compose_NameTagWithMentionLinkOrLineBreak_ShownAsTextNotMarkup(string name)
    {
        var finding = GuardDuty(type: "Backdoor:EC2/<!here>@channel");
        var result = Result(finding.Instances[0], name, IsolateAndSnapshotSteps());
        var response = ResponseSummary.Create(Trigger, [finding], Report([result], findingId: finding.Id));

        using var chat = Chat(response);

        var content = chat.RootElement.GetProperty("content");
        foreach (var text in new[] { Content(chat, "title"), Content(chat, "description"), chat.RootElement.GetProperty("metadata").GetProperty("summary").GetString()! }
            .Concat(Strings(content.GetProperty("keywords"))))
        {
            Assert.DoesNotContain('<', text);
            Assert.DoesNotContain('@', text);
        }

        var description = Content(chat, "description");
        Assert.DoesNotContain("\n*Outcome:* succeeded", description, StringComparison.Ordinal);
        Assert.Equal(2, description.Split('\n').Count(l => l.Contains($"• {WebInstanceId}", StringComparison.Ordinal) || l.StartsWith("      ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Compose_HundredInstancesFortyLongSteps_ChatWithinItsLimitsAndTheNotificationWithinSns(int failedStepsPerInstance)
    {
        var response = HundredInstances(failedStepsPerInstance);

        var notification = NotificationComposer.Compose(response, n => SnsBytes(n) <= 256 * 1024);

        using var chat = JsonDocument.Parse(notification.Chat);
        AssertWithinLimits(chat);
        Assert.Contains("_Shortened to fit;", Content(chat, "description"), StringComparison.Ordinal);
        Assert.Equal(100, chat.RootElement.GetProperty("metadata").GetProperty("relatedResources").GetArrayLength());
        Assert.True(SnsBytes(notification) <= 256 * 1024);
    }

    [Fact]
    public void Compose_HundredInstancesUnderSizePressure_ListsSomeAndCountsTheRest()
    {
        var response = HundredInstances(2);

        // No room at all: every body steps down to its smallest level.
        var notification = NotificationComposer.Compose(response, _ => false);

        using var chat = JsonDocument.Parse(notification.Chat);
        AssertWithinLimits(chat);
        var description = Content(chat, "description");
        Assert.Contains("… and 99 more instances: 99 failed", description, StringComparison.Ordinal);
        Assert.Equal(100, chat.RootElement.GetProperty("metadata").GetProperty("relatedResources").GetArrayLength());
    }

    [Theory]
    [InlineData(StepOutcome.Succeeded)]
    [InlineData(StepOutcome.Failed)]
    [InlineData(StepOutcome.DryRun)]
    public void Compose_LongNameAndFindingType_TitleDescriptionAndStepsWithinLimits(StepOutcome outcome)
    {
        var finding = GuardDuty(type: "Backdoor:EC2/" + new string('X', 400));
        var result = Result(finding.Instances[0], "😀" + new string('n', 300), IsolateAndSnapshotSteps(outcome));
        var response = ResponseSummary.Create(Trigger, [finding], Report([result], dryRun: outcome == StepOutcome.DryRun, findingId: finding.Id));

        using var chat = Chat(response);

        AssertWithinLimits(chat);
        Assert.EndsWith("…", Content(chat, "title"), StringComparison.Ordinal);
    }

    [Fact]
    public void Delayed_HeldFinding_ChatInTheFindingsThread()
    {
        var finding = GuardDuty();

        using var chat = JsonDocument.Parse(ChatNotificationComposer.Delayed(Trigger, [finding], finding.Instances, "Lambda retries it."));

        AssertWithinLimits(chat);
        Assert.Equal("custom", chat.RootElement.GetProperty("source").GetString());
        Assert.Equal($":hourglass_flowing_sand: Delayed: {GuardDutyType} {WebInstanceId}", Content(chat, "title"));
        Assert.EndsWith("Lambda retries it.", Content(chat, "description"), StringComparison.Ordinal);
        Assert.Equal(ThreadOf(Isolated(finding: finding)), chat.RootElement.GetProperty("metadata").GetProperty("threadId").GetString());
        Assert.Equal("delayed", chat.RootElement.GetProperty("metadata").GetProperty("additionalContext").GetProperty("outcome").GetString());
    }

    private static JsonDocument Chat(ResponseSummary response) => JsonDocument.Parse(NotificationComposer.Compose(response, _ => true).Chat);

    private static string ThreadOf(ResponseSummary response)
    {
        using var chat = Chat(response);
        return chat.RootElement.GetProperty("metadata").GetProperty("threadId").GetString()!;
    }

    private static string Content(JsonDocument chat, string name) => chat.RootElement.GetProperty("content").GetProperty(name).GetString()!;

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static void AssertWithinLimits(JsonDocument chat)
    {
        var content = chat.RootElement.GetProperty("content");
        Assert.InRange(content.GetProperty("title").GetString()!.Length, 1, ChatNotificationComposer.MaxTitle);
        Assert.InRange(content.GetProperty("description").GetString()!.Length, 1, ChatNotificationComposer.MaxDescription);
        Assert.InRange(content.GetProperty("nextSteps").GetArrayLength(), 1, ChatNotificationComposer.MaxNextSteps);
        Assert.All(Strings(content.GetProperty("nextSteps")), s => Assert.InRange(s.Length, 1, ChatNotificationComposer.MaxNextStep));
        Assert.InRange(content.GetProperty("keywords").GetArrayLength(), 1, ChatNotificationComposer.MaxKeywords);
        var metadata = chat.RootElement.GetProperty("metadata");
        Assert.InRange(metadata.GetProperty("summary").GetString()!.Length, 1, ChatNotificationComposer.MaxSummary);
        Assert.Matches(ThreadIdPattern(), metadata.GetProperty("threadId").GetString()!);
    }

    /// <summary>One finding, a hundred instances each with forty ENI steps of long detail, some failed.</summary>
    private static ResponseSummary HundredInstances(int failedStepsPerInstance)
    {
        var instances = Enumerable.Range(1, 100).Select(InstanceNumber).ToList();
        var finding = GuardDuty(instances);
        var results = instances.Select((instance, n) => Result(instance, $"web-{n}", [.. Enumerable.Range(0, 40).Select(s =>
        {
            var failed = s < failedStepsPerInstance;
            return Step(ContainmentAction.Isolate, s % 2 == 0 ? "conversion-group" : "isolation-group", $"eni-{s:x17}", failed ? StepOutcome.Failed : StepOutcome.Succeeded, new string('d', 200), failed ? "AccessDenied" : null);
        })])).ToList();
        return ResponseSummary.Create(Trigger, [finding], Report(results, [ContainmentAction.Isolate], findingId: finding.Id));
    }

    /// <summary>The message as SNS measures it, roughly: every body once per protocol key, the subject, a little for escaping.</summary>
    private static double SnsBytes(Notification notification) =>
        1.1 * ((2.0 * System.Text.Encoding.UTF8.GetByteCount(notification.Text)) + (3.0 * System.Text.Encoding.UTF8.GetByteCount(notification.Json)) + System.Text.Encoding.UTF8.GetByteCount(notification.Chat))
        + System.Text.Encoding.UTF8.GetByteCount(notification.Subject) + 1024;

    [GeneratedRegex("^threatresponse-[0-9a-f]{32}$")]
    private static partial Regex ThreadIdPattern();
}
