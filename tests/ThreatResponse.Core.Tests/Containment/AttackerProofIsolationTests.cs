using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>
/// Issue 15 against the in-memory EC2: nothing changes before the state is saved, an ENI goes from the conversion
/// group straight to the isolation group, a death in between is recovered from, network ACL entries, and tags an
/// attacker can write decide nothing.
/// </summary>
public sealed class AttackerProofIsolationTests
{
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1";
    private const string Account = "123456789012";
    private const string Profile = "arn:aws:iam::123456789012:instance-profile/web";
    private const string Instance = "i-00000000000000001";
    private static readonly InstanceReference Reference = new(InstanceId.Parse(Instance), Account, "us-east-1");

    private readonly FakeInstanceContainment _ec2 = new();
    private readonly FakeIsolationStateStore _ledger = new();

    public AttackerProofIsolationTests()
    {
        _ec2.Groups.Add(new QuarantineGroup("sg-conv", "vpc-1", QuarantineGroupRole.Conversion, RulesAsRequired: true));
        _ec2.Groups.Add(new QuarantineGroup("sg-iso", "vpc-1", QuarantineGroupRole.Isolation, RulesAsRequired: true));
        var instance = _ec2.AddInstance(Instance, ("eni-a", "vpc-1", ["sg-a1", "sg-a2"]), ("eni-b", "vpc-1", ["sg-b1"]));
        instance.Eni("eni-a").Ipv4Addresses.AddRange(["10.0.1.4", "10.0.1.5"]);
        instance.Eni("eni-b").Ipv4Addresses.Add("10.0.1.9");
    }

    [Fact]
    public async Task Isolate_TagKeptState_StateSavedBeforeAnyChange()
    {
        var report = await RunAsync(ContainmentAction.Isolate, store: null);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var stateTags = Assert.Single(_ec2.CallsOf("SetTags"), c => c.Detail.Contains(IsolationStateTags.KeyPrefix, StringComparison.Ordinal));
        var changes = _ec2.Calls.Where(c => c != stateTags && c.Operation is not ("DescribeInstance" or "FindQuarantineGroupsByName" or "DescribeNetworkAcls")).ToList();
        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.True(stateTags.Ended < c.Started, $"{c} started before the state was saved ({stateTags})"));
    }

    [Fact]
    public async Task Isolate_EachEni_IsolationGroupAskedForTheMomentTheConversionReturns()
    {
        await RunAsync(ContainmentAction.Isolate);

        foreach (var eni in new[] { "eni-a", "eni-b" })
        {
            var changes = _ec2.CallsOf("SetNetworkInterfaceGroups", eni);
            Assert.Equal(["sg-conv", "sg-iso"], changes.Select(c => c.Detail));

            // Nothing of this ENI's own path finished in between (the fake's clock moves one tick per call made or
            // returned): the isolation group waits for the conversion answer and nothing else. Its connection-tracking
            // call runs alongside and is awaited only after the isolation group; other ENIs' and other steps' calls run
            // on other threads and may end at any tick, so they say nothing about what this path waited for (the
            // function-path test measures the gap in time against moto: FunctionPathRoundTripTests).
            var between = _ec2.Calls.Where(c => c.Target == eni && c.Operation != "SetConnectionTracking" && c.Ended > changes[0].Ended && c.Ended < changes[1].Started).ToList();
            Assert.True(between.Count == 0, $"ended between conversion and isolation of {eni}: {string.Join(", ", between)}");
        }
    }

    [Fact]
    public async Task Isolate_DiesBetweenConversionAndIsolation_RetryIsolatesAndSavedStateHoldsTheRealGroups()
    {
        using var death = new CancellationTokenSource();
        _ec2.OnCall = async call =>
        {
            if (call.Operation == "SetNetworkInterfaceGroups" && call.Detail == "sg-iso")
            {
                // A request that never answers; the invocation is then killed.
                await death.CancelAsync();
                await Task.Delay(Timeout.Infinite, death.Token);
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine(_ledger).RunAsync(Request(ContainmentAction.Isolate), death.Token));
        Assert.Contains("sg-conv", _ec2.Instances[Instance].NetworkInterfaces.SelectMany(n => n.GroupIds));
        _ec2.OnCall = null;

        var retry = await Engine(_ledger).RunAsync(Request(ContainmentAction.Isolate), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, retry.Outcome);
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.Equal(["sg-iso"], n.GroupIds));
        var saved = _ledger.States[Reference];
        Assert.Equal(["sg-a1", "sg-a2"], saved.GroupsByNetworkInterface["eni-a"]);
        Assert.Equal(["sg-b1"], saved.GroupsByNetworkInterface["eni-b"]);
        Assert.Equal(Profile, saved.ProfileArn);

        var released = await Engine(_ledger).RunAsync(Request(ContainmentAction.Release), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(["sg-a1", "sg-a2"], _ec2.Instances[Instance].Eni("eni-a").GroupIds);
        Assert.Equal(["sg-b1"], _ec2.Instances[Instance].Eni("eni-b").GroupIds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Isolate_PlantedStatusTags_IgnoredAndTheInstanceIsIsolated(bool ledger)
    {
        var tags = _ec2.Instances[Instance].Tags;
        tags[QuarantineTags.Status] = QuarantineTags.StatusIsolated;
        tags[QuarantineTags.FindingId] = "someone-else";

        var report = await RunAsync(ContainmentAction.Isolate, ledger ? _ledger : null);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.Equal(["sg-iso"], n.GroupIds));
        Assert.Null(_ec2.Instances[Instance].ProfileArn);
        Assert.Equal("disabled", _ec2.Instances[Instance].Metadata.HttpEndpoint);
    }

    [Fact]
    public async Task Release_WithLedger_PlantedStateTagsIgnoredAndTheLedgersStateRestored()
    {
        await RunAsync(ContainmentAction.Isolate, _ledger);
        Plant(_ec2.Instances[Instance], "sg-attacker", "arn:aws:iam::123456789012:instance-profile/admin");

        var released = await RunAsync(ContainmentAction.Release, _ledger);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(["sg-a1", "sg-a2"], _ec2.Instances[Instance].Eni("eni-a").GroupIds);
        Assert.Equal(Profile, _ec2.Instances[Instance].ProfileArn);
    }

    [Fact]
    public async Task Isolate_TagKeptState_PlantedStateTagsReplacedByTheRealState()
    {
        Plant(_ec2.Instances[Instance], "sg-attacker", "arn:aws:iam::123456789012:instance-profile/admin");
        _ec2.Instances[Instance].Tags[IsolationStateTags.KeyPrefix + "9"] = "junk";

        await RunAsync(ContainmentAction.Isolate, store: null);

        var state = IsolationStateTags.Decode(_ec2.Instances[Instance].Tags);
        Assert.Equal(["sg-a1", "sg-a2"], state!.GroupsByNetworkInterface["eni-a"]);
        Assert.Equal(Profile, state.ProfileArn);
    }

    [Fact]
    public async Task Release_TagKeptState_NoProfileAndNoGroupOutsideTheVpcRestoredFromTags()
    {
        await RunAsync(ContainmentAction.Isolate, store: null);
        Plant(_ec2.Instances[Instance], "sg-attacker", "arn:aws:iam::123456789012:instance-profile/admin");
        _ec2.SecurityGroupVpcs["sg-attacker"] = "vpc-other";

        var released = await RunAsync(ContainmentAction.Release, store: null);

        Assert.Equal(StepOutcome.Failed, released.Outcome);
        var steps = released.Instances[0].Steps;
        var groups = Assert.Single(steps, s => s.Step == "restore-groups" && s.Target == "eni-a");
        Assert.Equal(("UntrustedSavedState", StepOutcome.Failed), (groups.ErrorCode, groups.Outcome));
        Assert.Equal(["sg-iso"], _ec2.Instances[Instance].Eni("eni-a").GroupIds);
        var profile = Assert.Single(steps, s => s.Step == "restore-instance-profile");
        Assert.Contains("aws ec2 associate-iam-instance-profile", profile.Detail, StringComparison.Ordinal);
        Assert.Empty(_ec2.CallsOf("AssociateInstanceProfile"));
        Assert.Null(_ec2.Instances[Instance].ProfileArn);
    }

    [Fact]
    public async Task IsolateThenRelease_NetworkAcls_DenyEveryAddressInTheOtherSubnetsAclsAndReleaseRemovesExactlyThose()
    {
        var own = new FakeNetworkAcl("acl-own", "vpc-1", "subnet-1");
        var nat = new FakeNetworkAcl("acl-nat", "vpc-1", "subnet-nat");
        nat.Entries.Add(new NetworkAclEntryState(1, false, false, "6", "198.51.100.0/24"));
        nat.Entries.Add(new NetworkAclEntryState(50, true, true, "6", "0.0.0.0/0"));
        _ec2.NetworkAcls.AddRange([own, nat]);
        var before = nat.Entries.ToList();

        var isolated = await RunAsync(ContainmentAction.Isolate, _ledger);

        Assert.Equal(StepOutcome.Succeeded, isolated.Outcome);
        Assert.Equal(4, own.Entries.Count);
        var added = nat.Entries.Except(before).ToList();
        Assert.Equal(6, added.Count);
        Assert.All(added, e => Assert.False(e.Allow));
        Assert.Equal(["10.0.1.4/32", "10.0.1.5/32", "10.0.1.9/32"], added.Where(e => !e.Egress).Select(e => e.Cidr!).Order());
        Assert.Equal(["10.0.1.4/32", "10.0.1.5/32", "10.0.1.9/32"], added.Where(e => e.Egress).Select(e => e.Cidr!).Order());
        Assert.All(added.Where(e => !e.Egress), e => Assert.InRange(e.RuleNumber, 2, 99));
        Assert.All(added.Where(e => e.Egress), e => Assert.InRange(e.RuleNumber, 1, 49));
        Assert.Equal(6, _ledger.States[Reference].AclEntries!.Count);
        var lastIsolation = _ec2.CallsOf("SetNetworkInterfaceGroups").Max(c => c.Ended);
        Assert.All(_ec2.CallsOf("CreateNetworkAclEntry"), c => Assert.True(c.Started > lastIsolation, $"{c} before the ENIs were isolated"));

        var released = await RunAsync(ContainmentAction.Release, _ledger);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(before, nat.Entries);
    }

    [Fact]
    public async Task Release_InstanceTerminated_OnlyItsAclEntriesRemovedAndSavedStateMarkedReleased()
    {
        var nat = new FakeNetworkAcl("acl-nat", "vpc-1", "subnet-nat");
        _ec2.NetworkAcls.Add(nat);
        var before = nat.Entries.ToList();
        await RunAsync(ContainmentAction.Isolate, _ledger);
        Assert.Equal(6, nat.Entries.Count - before.Count);
        _ec2.Instances[Instance].State = "terminated";
        var callsBefore = _ec2.Calls.Count;

        var released = await RunAsync(ContainmentAction.Release, _ledger);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(before, nat.Entries);
        Assert.NotNull(Assert.Single(_ledger.States).Value.ReleasedAt);
        Assert.All(_ec2.Calls.Skip(callsBefore), c => Assert.Contains(c.Operation, new[] { "DescribeInstance", "DescribeNetworkAcl", "DeleteNetworkAclEntry" }));
    }

    [Fact]
    public async Task Isolate_NetworkAclWithRoomForTwo_EachEnisPrimaryAddressCoveredTheSecondaryReportedAndIsolationStands()
    {
        var nat = new FakeNetworkAcl("acl-nat", "vpc-1", "subnet-nat");
        nat.Entries.AddRange(Enumerable.Range(1, 17).Select(n => new NetworkAclEntryState(100 + n, false, true, "6", $"10.9.{n}.0/24")));
        _ec2.NetworkAcls.Add(nat);

        var report = await RunAsync(ContainmentAction.Isolate, _ledger);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var acl = Assert.Single(report.Instances[0].Steps, s => s.Step == "network-acl" && s.Outcome == StepOutcome.Failed);
        Assert.Equal(("NetworkAclEntryLimitExceeded", "acl-nat inbound"), (acl.ErrorCode, acl.Target));
        Assert.StartsWith("not covered: 10.0.1.5/32 (", acl.Detail, StringComparison.Ordinal);
        Assert.Contains("18 of its 20 inbound entries are used and 3 more are needed, 2 added", acl.Detail, StringComparison.Ordinal);
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.Equal(["sg-iso"], n.GroupIds));
        Assert.Equal(["10.0.1.4/32", "10.0.1.9/32"], nat.Entries.Where(e => !e.Egress && !e.Allow && e.RuleNumber < 32767).Select(e => e.Cidr!).Order());
        Assert.Equal(5, _ledger.States[Reference].AclEntries!.Count);
    }

    [Fact]
    public async Task Isolate_NetworkAclDenyTurnedOff_NoAclTouched()
    {
        _ec2.NetworkAcls.Add(new FakeNetworkAcl("acl-nat", "vpc-1", "subnet-nat"));

        var report = await Engine(_ledger, new ContainmentOptions { DenyInNetworkAcls = false }).RunAsync(Request(ContainmentAction.Isolate), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Empty(_ec2.CallsOf("DescribeNetworkAcls"));
        Assert.Empty(_ec2.CallsOf("CreateNetworkAclEntry"));
        Assert.Contains("NETWORK_ACL_DENY=false", Assert.Single(report.Instances[0].Steps, s => s.Step == "network-acl").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolate_RequestSaysNoNetworkAcl_NoAclTouchedWhateverTheSetting()
    {
        _ec2.NetworkAcls.Add(new FakeNetworkAcl("acl-nat", "vpc-1", "subnet-nat"));
        var request = Request(ContainmentAction.Isolate) with { DenyInNetworkAcls = false };

        var report = await Engine(_ledger, new ContainmentOptions { DenyInNetworkAcls = true }).RunAsync(request, CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Empty(_ec2.CallsOf("CreateNetworkAclEntry"));
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.Equal(["sg-iso"], n.GroupIds));
    }

    [Fact]
    public async Task Release_RestoresTheConnectionTrackingTimeoutsSavedBeforeIsolation()
    {
        _ec2.Instances[Instance].Eni("eni-a").Tracking = new ConnectionTrackingState(3600, 120, 60);

        await RunAsync(ContainmentAction.Isolate, _ledger);
        Assert.True(_ec2.Instances[Instance].Eni("eni-a").MinimumConnectionTracking);
        await RunAsync(ContainmentAction.Release, _ledger);

        Assert.Equal(new ConnectionTrackingState(3600, 120, 60), _ec2.Instances[Instance].Eni("eni-a").Tracking);
        Assert.Equal(ConnectionTrackingState.Default, _ec2.Instances[Instance].Eni("eni-b").Tracking);
    }

    private static void Plant(FakeInstance instance, string group, string profile)
    {
        var forged = new PreIsolationState(
            new Dictionary<string, IReadOnlyList<string>> { ["eni-a"] = [group], ["eni-b"] = [group] },
            profile, new MetadataOptionsState("enabled", "optional", 5, "enabled", "disabled"), false, "terminate", "forged", DateTimeOffset.UnixEpoch);
        foreach (var key in instance.Tags.Keys.Where(IsolationStateTags.IsStateKey).ToList())
        {
            instance.Tags.Remove(key);
        }

        foreach (var (key, value) in IsolationStateTags.Encode(forged))
        {
            instance.Tags[key] = value;
        }
    }

    private ContainmentEngine Engine(IIsolationStateStore? store, ContainmentOptions? options = null) =>
        new(_ec2, options ?? new ContainmentOptions(), TimeProvider.System, new ContainmentPorts { StateStore = store });

    private Task<ContainmentReport> RunAsync(ContainmentAction action, IIsolationStateStore? store = null) =>
        Engine(store).RunAsync(Request(action), CancellationToken.None);

    private static ContainmentRequest Request(ContainmentAction action) => new(FindingId, [Reference], [action], DryRun: false);
}
