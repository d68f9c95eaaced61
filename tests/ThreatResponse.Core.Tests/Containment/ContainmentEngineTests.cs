using System.Collections.Concurrent;
using System.Threading.Channels;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>The engine's own logic (order, sharing, concurrency, failure handling, outcomes) against an in-memory EC2.</summary>
public sealed class ContainmentEngineTests
{
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1";
    private const string Account = "123456789012";
    private const string Profile = "arn:aws:iam::123456789012:instance-profile/web";
    private const ContainmentAction Isolate = ContainmentAction.Isolate;
    private const ContainmentAction Release = ContainmentAction.Release;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeInstanceContainment _ec2 = new();

    [Fact]
    public async Task Isolate_TwoEnis_TrackingAndConversionBeforeIsolationGroupOnEachEni()
    {
        var i1 = Id(1);
        _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a1", "sg-a2"]), ("eni-b", "vpc-1", ["sg-b1"]));

        // Connection tracking returns last, well after the conversion group: the isolation group must still wait for it.
        var converted = new ConcurrentDictionary<string, TaskCompletionSource>(StringComparer.Ordinal);
        TaskCompletionSource Converted(string eni) => converted.GetOrAdd(eni, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        _ec2.OnCall = async call =>
        {
            if (call.Operation == "SetNetworkInterfaceGroups" && call.Detail.StartsWith("sg-qconversion", StringComparison.Ordinal))
            {
                Converted(call.Target).TrySetResult();
            }
            else if (call.Operation == "SetMinimumConnectionTracking")
            {
                await Converted(call.Target).Task.WaitAsync(Patience);
                for (var i = 0; i < 20; i++)
                {
                    await Task.Yield();
                }
            }
        };

        var report = await RunAsync([i1], [Isolate]);

        AssertOutcome(StepOutcome.Succeeded, report);
        var conversion = GroupId("vpc-1", QuarantineGroupRole.Conversion);
        var isolation = GroupId("vpc-1", QuarantineGroupRole.Isolation);
        var conversionRules = Assert.Single(_ec2.CallsOf("SetQuarantineGroupRules", conversion));
        var isolationRules = Assert.Single(_ec2.CallsOf("SetQuarantineGroupRules", isolation));
        var isolationCalls = new List<FakeCall>();
        foreach (var eni in new[] { "eni-a", "eni-b" })
        {
            var tracking = Assert.Single(_ec2.CallsOf("SetConnectionTracking", eni));
            var groupChanges = _ec2.CallsOf("SetNetworkInterfaceGroups", eni);
            Assert.Equal([conversion, isolation], groupChanges.Select(c => c.Detail));
            var (toConversion, toIsolation) = (groupChanges[0], groupChanges[1]);

            // Timeouts lowered alongside the conversion; the isolation group asked for the moment the conversion returned.
            Assert.True(tracking.Started < toIsolation.Started, $"{tracking} then {toIsolation}");
            Assert.True(toConversion.Ended < toIsolation.Started, $"{toConversion} then {toIsolation}");
            Assert.True(conversionRules.Ended < toConversion.Started, $"{conversionRules} then {toConversion}");
            Assert.True(isolationRules.Ended < toIsolation.Started, $"{isolationRules} then {toIsolation}");
            Assert.Equal([isolation], _ec2.Instances[i1].Eni(eni).GroupIds);
            Assert.True(_ec2.Instances[i1].Eni(eni).MinimumConnectionTracking);
            isolationCalls.Add(toIsolation);
        }

        // Tagged isolated only once every ENI is in the isolation group.
        var tagged = Assert.Single(_ec2.CallsOf("SetTags"), c => c.Detail.Contains(QuarantineTags.IsolatedAt, StringComparison.Ordinal));
        Assert.All(isolationCalls, c => Assert.True(c.Ended < tagged.Started, $"{c} then {tagged}"));
        Assert.Equal(QuarantineTags.StatusIsolated, _ec2.Instances[i1].Tags[QuarantineTags.Status]);
    }

    [Fact]
    public async Task Isolate_ThreeInstancesInOneVpcWithoutGroups_EachGroupCreatedOnce()
    {
        string[] sameVpc = [Id(1), Id(2), Id(3)];
        foreach (var (id, n) in sameVpc.Select((id, n) => (id, n)))
        {
            _ec2.AddInstance(id, ($"eni-{n}", "vpc-1", [$"sg-own{n}"]));
        }

        var other = Id(4);
        _ec2.AddInstance(other, ("eni-other", "vpc-2", ["sg-other"]));

        var report = await RunAsync([.. sameVpc, other], [Isolate]);

        AssertOutcome(StepOutcome.Succeeded, report);
        Assert.Single(_ec2.CallsOf("FindQuarantineGroupsByName"));
        foreach (var vpc in new[] { "vpc-1", "vpc-2" })
        {
            var creates = _ec2.CallsOf("CreateQuarantineGroup", vpc);
            Assert.Equal(["Conversion", "Isolation"], creates.Select(c => c.Detail).Order(StringComparer.Ordinal));
        }

        Assert.Equal(4, _ec2.CallsOf("SetQuarantineGroupRules").Count);
        var isolation = GroupId("vpc-1", QuarantineGroupRole.Isolation);
        Assert.All(sameVpc, id => Assert.Equal([isolation], _ec2.Instances[id].NetworkInterfaces.Single().GroupIds));
        Assert.Equal([GroupId("vpc-2", QuarantineGroupRole.Isolation)], _ec2.Instances[other].Eni("eni-other").GroupIds);
        Assert.All(report.Instances, r => Assert.Contains(r.Steps, s => s.Step == "quarantine-groups" && s.Outcome == StepOutcome.Succeeded));
    }

    [Fact]
    public async Task Isolate_GroupsAlreadyInPlace_UsedWithoutCreatingOrChangingThem()
    {
        AddGroups("vpc-1");
        var i1 = Id(1);
        _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a"]));

        var report = await RunAsync([i1], [Isolate]);

        AssertOutcome(StepOutcome.Succeeded, report);
        Assert.Empty(_ec2.CallsOf("CreateQuarantineGroup"));
        Assert.Empty(_ec2.CallsOf("SetQuarantineGroupRules"));
        Assert.Equal(["sg-conv", "sg-iso"], _ec2.CallsOf("SetNetworkInterfaceGroups", "eni-a").Select(c => c.Detail));
    }

    [Fact]
    public async Task Run_UnexpectedExceptionForOneInstance_OnlyThatInstanceFailsWithInternalError()
    {
        string[] ids = [Id(1), Id(2), Id(3)];
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            _ec2.AddInstance(id, ($"eni-{n}", "vpc-1", [$"sg-own{n}"]));
        }

        _ec2.Throw("DescribeInstance", ids[1], null, () => new InvalidOperationException("describe blew up"));

        var report = await RunAsync(ids, [Isolate]);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        Assert.Equal(ids, report.Instances.Select(r => r.Instance.InstanceId.Value));
        var failed = report.Instances[1];
        Assert.Equal(StepOutcome.Failed, failed.Outcome);
        var step = Assert.Single(failed.Steps);
        Assert.Equal(("internal-error", StepOutcome.Failed), (step.Step, step.Outcome));
        Assert.Contains("InvalidOperationException", step.Detail, StringComparison.Ordinal);
        Assert.Contains("describe blew up", step.Detail, StringComparison.Ordinal);
        Assert.Equal(["sg-own1"], _ec2.Instances[ids[1]].Eni("eni-1").GroupIds);

        var isolation = GroupId("vpc-1", QuarantineGroupRole.Isolation);
        foreach (var n in new[] { 0, 2 })
        {
            Assert.Equal(StepOutcome.Succeeded, report.Instances[n].Outcome);
            Assert.Equal([isolation], _ec2.Instances[ids[n]].Eni($"eni-{n}").GroupIds);
        }
    }

    [Fact]
    public async Task Run_MaxConcurrentInstancesTwoOfSix_AtMostTwoDescribesInFlight()
    {
        var ids = Enumerable.Range(1, 6).Select(Id).ToList();
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            _ec2.AddInstance(id, ($"eni-{n}", "vpc-1", [$"sg-own{n}"]));
        }

        var entered = Channel.CreateUnbounded<string>();
        using var gate = new SemaphoreSlim(0);
        var counter = new Lock();
        int inFlight = 0, maxInFlight = 0;
        _ec2.OnCall = async call =>
        {
            if (call.Operation != "DescribeInstance")
            {
                return;
            }

            lock (counter)
            {
                maxInFlight = Math.Max(maxInFlight, ++inFlight);
            }

            entered.Writer.TryWrite(call.Target);
            await gate.WaitAsync();
            lock (counter)
            {
                inFlight--;
            }
        };

        var run = Engine(new ContainmentOptions { MaxConcurrentInstances = 2 }).RunAsync(Request(ids, [Isolate]), CancellationToken.None);

        // Two enter and hold; then each one let go makes room for exactly one more.
        await NextAsync(entered);
        await NextAsync(entered);
        for (var released = 0; released < 4; released++)
        {
            gate.Release();
            await NextAsync(entered);
        }

        gate.Release(2);
        var report = await run.WaitAsync(Patience);

        AssertOutcome(StepOutcome.Succeeded, report);
        Assert.Equal(6, _ec2.CallsOf("DescribeInstance").Count);
        Assert.Equal(2, maxInFlight);
        Assert.False(entered.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Isolate_SavingStateFails_IsolatesEveryEniAndReportNamesOriginalGroups()
    {
        var i1 = Id(1);
        _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a1", "sg-a2"]), ("eni-b", "vpc-1", ["sg-b1"]));
        _ec2.Fail("SetTags", i1, detailContains: IsolationStateTags.KeyPrefix, errorCode: "RequestLimitExceeded");

        var report = await RunAsync([i1], [Isolate]);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var result = Assert.Single(report.Instances);
        var save = Assert.Single(result.Steps, s => s.Step == "save-state");
        Assert.Equal((StepOutcome.Failed, "RequestLimitExceeded"), (save.Outcome, save.ErrorCode));
        Assert.Contains("eni-a: sg-a1,sg-a2", save.Detail, StringComparison.Ordinal);
        Assert.Contains("eni-b: sg-b1", save.Detail, StringComparison.Ordinal);
        Assert.Contains(Profile, save.Detail, StringComparison.Ordinal);
        Assert.Equal([save], result.Steps.Where(s => s.Outcome == StepOutcome.Failed));

        var isolation = GroupId("vpc-1", QuarantineGroupRole.Isolation);
        var instance = _ec2.Instances[i1];
        Assert.Equal([isolation], instance.Eni("eni-a").GroupIds);
        Assert.Equal([isolation], instance.Eni("eni-b").GroupIds);
        Assert.Equal("disabled", instance.Metadata.HttpEndpoint);
        Assert.Null(instance.ProfileArn);
        Assert.Equal(QuarantineTags.StatusIsolated, instance.Tags[QuarantineTags.Status]);
        Assert.DoesNotContain(instance.Tags.Keys, IsolationStateTags.IsStateKey);
    }

    [Fact]
    public async Task IsolateThenRelease_WithStateStore_StateKeptInStoreNotTagsAndMarkedReleasedOnRelease()
    {
        var store = new FakeIsolationStateStore();
        var i1 = Id(1);
        var reference = Reference(i1);
        _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a1", "sg-a2"]), ("eni-b", "vpc-1", ["sg-b1"]));
        var engine = Engine(store: store);

        var isolated = await engine.RunAsync(Request([i1], [Isolate]), CancellationToken.None);

        AssertOutcome(StepOutcome.Succeeded, isolated);
        Assert.Equal([("Save", reference)], store.Calls);
        var saved = store.States[reference];
        Assert.Equal(["sg-a1", "sg-a2"], saved.GroupsByNetworkInterface["eni-a"]);
        Assert.Equal(["sg-b1"], saved.GroupsByNetworkInterface["eni-b"]);
        Assert.Equal(Profile, saved.ProfileArn);
        Assert.DoesNotContain(_ec2.CallsOf("SetTags"), c => c.Detail.Contains(IsolationStateTags.KeyPrefix, StringComparison.Ordinal));
        Assert.DoesNotContain(_ec2.Instances[i1].Tags.Keys, IsolationStateTags.IsStateKey);
        Assert.Equal(QuarantineTags.StatusIsolated, _ec2.Instances[i1].Tags[QuarantineTags.Status]);

        var released = await engine.RunAsync(Request([i1], [Release]), CancellationToken.None);

        AssertOutcome(StepOutcome.Succeeded, released);
        Assert.Equal(["Save", "Load", "MarkReleased"], store.Calls.Select(c => c.Operation));
        Assert.NotNull(Assert.Single(store.States).Value.ReleasedAt);
        AssertOriginal(_ec2.Instances[i1], ("eni-a", ["sg-a1", "sg-a2"]), ("eni-b", ["sg-b1"]));
    }

    [Fact]
    public async Task Release_OneRestoreStepFails_KeepsQuarantineTagsSoReleaseCanRunAgain()
    {
        var i1 = Id(1);
        var store = new FakeIsolationStateStore();
        _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a1", "sg-a2"]), ("eni-b", "vpc-1", ["sg-b1"]));
        await Engine(store: store).RunAsync(Request([i1], [Isolate]), CancellationToken.None);
        var isolatedTags = new Dictionary<string, string>(_ec2.Instances[i1].Tags);
        _ec2.Fail("AssociateInstanceProfile", i1);

        var first = await Engine(store: store).RunAsync(Request([i1], [Release]), CancellationToken.None);

        Assert.Equal(StepOutcome.Failed, first.Outcome);
        var steps = Assert.Single(first.Instances).Steps;
        Assert.Equal("restore-instance-profile", Assert.Single(steps, s => s.Outcome == StepOutcome.Failed).Step);
        Assert.Equal(StepOutcome.Skipped, Assert.Single(steps, s => s.Step == "remove-tags").Outcome);
        Assert.Empty(_ec2.CallsOf("RemoveTags"));
        Assert.Equal(isolatedTags, _ec2.Instances[i1].Tags);

        Assert.NotNull(store.States[Reference(i1)]);

        _ec2.ClearFailures();
        var second = await Engine(store: store).RunAsync(Request([i1], [Release]), CancellationToken.None);

        AssertOutcome(StepOutcome.Succeeded, second);
        AssertOriginal(_ec2.Instances[i1], ("eni-a", ["sg-a1", "sg-a2"]), ("eni-b", ["sg-b1"]));
    }

    [Fact]
    public async Task Isolate_IsolationGroupFailsOnOneEni_NotTaggedIsolatedSoRunningAgainIsolatesIt()
    {
        AddGroups("vpc-1");
        var i1 = Id(1);
        var store = new FakeIsolationStateStore();
        _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a"]), ("eni-b", "vpc-1", ["sg-b"]));
        _ec2.Fail("SetNetworkInterfaceGroups", "eni-b", detailContains: "sg-iso");

        var first = await Engine(store: store).RunAsync(Request([i1], [Isolate]), CancellationToken.None);

        Assert.Equal(StepOutcome.Failed, first.Outcome);
        Assert.Equal(["sg-b"], _ec2.Instances[i1].Eni("eni-b").GroupIds);
        Assert.NotEqual(QuarantineTags.StatusIsolated, _ec2.Instances[i1].Tags.GetValueOrDefault(QuarantineTags.Status));

        _ec2.ClearFailures();
        var second = await Engine(store: store).RunAsync(Request([i1], [Isolate]), CancellationToken.None);

        AssertOutcome(StepOutcome.Succeeded, second);
        Assert.Equal(["sg-iso"], _ec2.Instances[i1].Eni("eni-a").GroupIds);
        Assert.Equal(["sg-iso"], _ec2.Instances[i1].Eni("eni-b").GroupIds);
        Assert.Equal(QuarantineTags.StatusIsolated, _ec2.Instances[i1].Tags[QuarantineTags.Status]);

        // The state saved before the first attempt is the one released to.
        var released = await Engine(store: store).RunAsync(Request([i1], [Release]), CancellationToken.None);

        AssertOutcome(StepOutcome.Succeeded, released);
        AssertOriginal(_ec2.Instances[i1], ("eni-a", ["sg-a"]), ("eni-b", ["sg-b"]));
    }

    [Fact]
    public async Task Isolate_ResumingInterruptedIsolation_KeepsStateSavedByFirstAttempt()
    {
        AddGroups("vpc-1");
        var i1 = Id(1);
        var instance = _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a"]));
        var original = PreIsolationState.Capture((await _ec2.DescribeInstanceAsync(Reference(i1), CancellationToken.None))!, FindingId, DateTimeOffset.UnixEpoch);
        foreach (var (key, value) in IsolationStateTags.Encode(original))
        {
            instance.Tags[key] = value;
        }

        instance.Tags[QuarantineTags.Status] = QuarantineTags.StatusIsolating;
        instance.Eni("eni-a").GroupIds = ["sg-conv"];
        instance.Metadata = instance.Metadata with { HttpEndpoint = "disabled" };
        instance.ProfileArn = null;

        var report = await RunAsync([i1], [Isolate]);

        AssertOutcome(StepOutcome.Succeeded, report);
        Assert.Contains("kept the state saved", Assert.Single(report.Instances[0].Steps, s => s.Step == "save-state").Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(_ec2.CallsOf("SetTags"), c => c.Detail.Contains(IsolationStateTags.KeyPrefix, StringComparison.Ordinal));
        Assert.Equal(["sg-iso"], instance.Eni("eni-a").GroupIds);
        var kept = IsolationStateTags.Decode(instance.Tags);
        Assert.Equal(["sg-a"], kept?.GroupsByNetworkInterface["eni-a"]);
        Assert.Equal(Profile, kept?.ProfileArn);
    }

    [Fact]
    public async Task IsolateAndStop_TerminationProtectionTurnedOnOnceThenStopped()
    {
        var i1 = Id(1);
        _ec2.AddInstance(i1, ("eni-a", "vpc-1", ["sg-a"]));

        var report = await RunAsync([i1], [Isolate, ContainmentAction.Stop]);

        AssertOutcome(StepOutcome.Succeeded, report);
        var protection = Assert.Single(_ec2.CallsOf("SetTerminationProtection"));
        var stop = Assert.Single(_ec2.CallsOf("StopInstance"));
        Assert.True(protection.Ended < stop.Started, $"{protection} then {stop}");
        Assert.Equal("stopping", _ec2.Instances[i1].State);
    }

    [Fact]
    public async Task Run_EveryInstanceSkipped_ReportSkippedAndNothingChanged()
    {
        var exempt = _ec2.AddInstance(Id(1), ("eni-a", "vpc-1", ["sg-a"]));
        exempt.Tags["ThreatResponse:Exempt"] = "TRUE";
        _ec2.AddInstance(Id(2), ("eni-b", "vpc-1", ["sg-b"])).State = "terminated";

        var report = await RunAsync([Id(1), Id(2), Id(3)], [Isolate, ContainmentAction.Snapshot, ContainmentAction.Stop]);

        Assert.Equal(StepOutcome.Skipped, report.Outcome);
        Assert.All(report.Instances, r => Assert.Equal(StepOutcome.Skipped, r.Outcome));
        Assert.Equal(["exempt: tagged ThreatResponse:Exempt=true", "instance is terminated", "instance not found"], report.Instances.Select(r => r.Reason));
        Assert.All(_ec2.Calls, c => Assert.Contains(c.Operation, new[] { "DescribeInstance", "FindQuarantineGroupsByName" }));
    }

    [Fact]
    public async Task Run_InstanceInAnotherAccountThanItsFinding_RefusedWithoutAnyCall()
    {
        var instance = _ec2.AddInstance(Id(1), ("eni-a", "vpc-1", ["sg-a"]));
        var request = Request([Id(1)], [Isolate, ContainmentAction.Stop]) with
        {
            FindingAccountByInstance = new Dictionary<InstanceReference, string> { [Reference(Id(1))] = "444455556666" },
        };

        var report = await Engine().RunAsync(request, CancellationToken.None);

        var result = Assert.Single(report.Instances);
        Assert.Equal(StepOutcome.Skipped, result.Outcome);
        Assert.StartsWith($"refused: the instance is in account {Account} but its finding is from account 444455556666", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_ec2.Calls);
        Assert.Equal(["sg-a"], instance.Eni("eni-a").GroupIds);
    }

    [Fact]
    public async Task Run_OneInstanceFailsOneSucceeds_ReportFailed()
    {
        _ec2.AddInstance(Id(1), ("eni-a", "vpc-1", ["sg-a"]));
        _ec2.AddInstance(Id(2), ("eni-b", "vpc-1", ["sg-b"]));
        _ec2.Fail("DescribeInstance", Id(2), errorCode: "UnauthorizedOperation");

        var report = await RunAsync([Id(1), Id(2)], [ContainmentAction.Snapshot]);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        Assert.Equal([StepOutcome.Succeeded, StepOutcome.Failed], report.Instances.Select(r => r.Outcome));
        var lookup = Assert.Single(report.Instances[1].Steps);
        Assert.Equal(("lookup", StepOutcome.Failed, "UnauthorizedOperation"), (lookup.Step, lookup.Outcome, lookup.ErrorCode));
        Assert.Equal("the instance could not be looked up", report.Instances[1].Reason);
    }

    [Fact]
    public async Task Run_DryRun_ReportDryRunAndNothingChanged()
    {
        var instance = _ec2.AddInstance(Id(1), ("eni-a", "vpc-1", ["sg-a"]));

        var report = await RunAsync([Id(1), Id(9)], [Isolate, ContainmentAction.Snapshot, ContainmentAction.Stop], dryRun: true);

        Assert.True(report.DryRun);
        Assert.Equal(StepOutcome.DryRun, report.Outcome);
        Assert.Equal([StepOutcome.DryRun, StepOutcome.Skipped], report.Instances.Select(r => r.Outcome));
        Assert.Empty(_ec2.Groups);
        Assert.Equal(["sg-a"], instance.Eni("eni-a").GroupIds);
        Assert.Empty(instance.Tags);
        Assert.Equal((Profile, false, "running"), (instance.ProfileArn, instance.TerminationProtection, instance.State));
        Assert.Empty(_ec2.CallsOf("SetQuarantineGroupRules"));
        Assert.Empty(_ec2.CallsOf("DisassociateInstanceProfile"));
        Assert.All(_ec2.Calls.Where(c => c.Operation.StartsWith("Set", StringComparison.Ordinal) || c.Operation.StartsWith("Create", StringComparison.Ordinal) || c.Operation == "StopInstance"),
            c => Assert.True(c.DryRun, $"{c.Operation} {c.Target} without DryRun"));
    }

    [Fact]
    public async Task Run_DuplicateInstancesInRequest_EachHandledOnce()
    {
        _ec2.AddInstance(Id(1), ("eni-a", "vpc-1", ["sg-a"]));
        _ec2.AddInstance(Id(2), ("eni-b", "vpc-1", ["sg-b"]));

        var report = await RunAsync([Id(1), Id(2), Id(1), Id(1)], [Isolate]);

        AssertOutcome(StepOutcome.Succeeded, report);
        Assert.Equal([Id(1), Id(2)], report.Instances.Select(r => r.Instance.InstanceId.Value));
        Assert.Single(_ec2.CallsOf("DescribeInstance", Id(1)));
        Assert.Single(_ec2.CallsOf("SetConnectionTracking", "eni-a"));
        Assert.Equal(2, _ec2.CallsOf("SetNetworkInterfaceGroups", "eni-a").Count);
    }

    private static string Id(int n) => $"i-{n:x17}";

    private static InstanceReference Reference(string id) => new(InstanceId.Parse(id), Account, "us-east-1");

    private static ContainmentRequest Request(IEnumerable<string> ids, ContainmentAction[] actions, bool dryRun = false) =>
        new(FindingId, [.. ids.Select(Reference)], actions, dryRun);

    private static async Task NextAsync(Channel<string> entered) => await entered.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    private static void AssertOutcome(StepOutcome expected, ContainmentReport report) =>
        Assert.True(report.Outcome == expected, $"expected {expected}, got {report.Outcome}: {string.Join(" | ", report.Instances.Select(r => $"{r.Instance.InstanceId} {r.Outcome} {r.Reason}"))}");

    private static void AssertOriginal(FakeInstance instance, params (string Eni, string[] Groups)[] groups)
    {
        foreach (var (eni, expected) in groups)
        {
            Assert.Equal(expected, instance.Eni(eni).GroupIds);
        }

        Assert.Equal(new MetadataOptionsState("enabled", "optional", 1, "disabled", "disabled"), instance.Metadata);
        Assert.Equal(Profile, instance.ProfileArn);
        Assert.False(instance.TerminationProtection);
        Assert.Equal("terminate", instance.ShutdownBehavior);
        Assert.DoesNotContain(instance.Tags.Keys, k => k.StartsWith(QuarantineTags.Prefix, StringComparison.Ordinal));
    }

    private ContainmentEngine Engine(ContainmentOptions? options = null, IIsolationStateStore? store = null) =>
        new(_ec2, options ?? new ContainmentOptions(), TimeProvider.System, new ContainmentPorts { StateStore = store });

    private Task<ContainmentReport> RunAsync(IEnumerable<string> ids, ContainmentAction[] actions, bool dryRun = false) =>
        Engine().RunAsync(Request(ids, actions, dryRun), CancellationToken.None);

    private string GroupId(string vpcId, QuarantineGroupRole role) => _ec2.Groups.Single(g => g.VpcId == vpcId && g.Role == role).GroupId;

    private void AddGroups(string vpcId)
    {
        _ec2.Groups.Add(new QuarantineGroup("sg-conv", vpcId, QuarantineGroupRole.Conversion, RulesAsRequired: true));
        _ec2.Groups.Add(new QuarantineGroup("sg-iso", vpcId, QuarantineGroupRole.Isolation, RulesAsRequired: true));
    }
}
