using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using static ThreatResponse.Aws.Tests.Ec2.Ec2World;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Aws.Tests.Ec2;

/// <summary>The containment engine driving the real EC2 adapter against moto_server; assertions read EC2's resulting state.</summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class ContainmentEngineOnEc2Tests(MotoServerFixture moto) : MotoTest(moto), IDisposable
{
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1";
    private readonly AwsRequestLog _requests = new();
    private RecordingHttpClientFactory? _http;
    private AmazonEC2Client? _ec2;

    private AmazonEC2Client Ec2 => _ec2 ??= Moto.CreateEc2Client(http: Http);

    private RecordingHttpClientFactory Http => _http ??= new RecordingHttpClientFactory(_requests);

    public void Dispose() => _ec2?.Dispose();

    [Fact]
    public async Task Isolate_InstanceWithTwoEnis_EveryEniOnlyInEmptyIsolationGroupAndCredentialsCut()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);

        var report = await RunAsync(scene, [ContainmentAction.Isolate]);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var isolation = Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation"));
        Assert.Equal(scene.VpcId, isolation.VpcId);
        Assert.Empty(isolation.IpPermissions ?? []);
        Assert.Empty(isolation.IpPermissionsEgress ?? []);
        Assert.Equal([isolation.GroupId], await GroupsOfAsync(Ec2, scene.PrimaryEniId));
        Assert.Equal([isolation.GroupId], await GroupsOfAsync(Ec2, scene.SecondaryEniId));

        var conversion = Assert.Single(await QuarantineGroupsAsync(Ec2, "conversion"));
        Assert.Contains(conversion.IpPermissions, p => p.IpProtocol == "-1" && p.Ipv4Ranges.Any(r => r.CidrIp == "0.0.0.0/0") && p.Ipv6Ranges.Any(r => r.CidrIpv6 == "::/0"));

        var instance = await InstanceAsync(Ec2, scene.InstanceId);
        Assert.Equal("disabled", instance.MetadataOptions.HttpEndpoint.Value);
        Assert.True(await TerminationProtectionAsync(Ec2, scene.InstanceId));
        Assert.Equal("stop", await ShutdownBehaviorAsync(Ec2, scene.InstanceId));
        Assert.Null(await AssociatedProfileAsync(Ec2, scene.InstanceId));

        var tags = await TagsAsync(Ec2, scene.InstanceId);
        Assert.Equal("isolated", tags[QuarantineTags.Status]);
        Assert.Equal(FindingId, tags[QuarantineTags.FindingId]);
        Assert.True(tags.ContainsKey(QuarantineTags.IsolatedAt));
        Assert.True(tags.ContainsKey(IsolationStateTags.KeyPrefix + "2"), "six groups on two ENIs plus the profile need more than one 256-character tag");

        // Connection tracking was set to the minimum on every ENI, before the isolation group.
        var steps = Assert.Single(report.Instances).Steps;
        Assert.Equal(2, steps.Count(s => s.Step == "connection-tracking" && s.Outcome == StepOutcome.Succeeded));
        Assert.Equal(4, _requests.Requests.Count(r => r.Operation == "ModifyNetworkInterfaceAttribute" && r.Body.Contains("SecurityGroupId", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Isolate_AgainWithoutLedger_WholePathAgainInTheSameGroups()
    {
        // Without a ledger nothing proves the isolation ThreatResponse's (the ledger's skip: QuarantineGroupsByRecordTests):
        // the ENIs pass through the conversion group again, in the groups found by name and used as they are.
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        await RunAsync(scene, [ContainmentAction.Isolate]);
        var isolation = Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation")).GroupId;
        _requests.Clear();

        var report = await RunAsync(scene, [ContainmentAction.Isolate]);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Equal(2, report.Instances[0].Steps.Count(s => s.Step == "conversion-group" && s.Outcome == StepOutcome.Succeeded));
        Assert.Equal([isolation], await GroupsOfAsync(Ec2, scene.PrimaryEniId));
        Assert.Equal([isolation], await GroupsOfAsync(Ec2, scene.SecondaryEniId));
        Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation"));
        Assert.Equal(0, _requests.Count("CreateSecurityGroup"));
    }

    [Fact]
    public async Task Snapshot_TwiceForSameFinding_OneSnapshotPerVolumeOnly()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);

        var first = await RunAsync(scene, [ContainmentAction.Snapshot]);
        var second = await RunAsync(scene, [ContainmentAction.Snapshot]);

        Assert.Equal(StepOutcome.Succeeded, first.Outcome);
        var snapshots = await SnapshotsOfAsync(Ec2, scene.InstanceId);
        var volumes = (await InstanceAsync(Ec2, scene.InstanceId)).BlockDeviceMappings.Select(b => b.Ebs.VolumeId).Order().ToList();
        Assert.Equal(2, volumes.Count);
        Assert.Equal(volumes, snapshots.Select(s => s.VolumeId).Order());
        Assert.All(snapshots, s => Assert.Contains(s.Tags, t => t.Key == QuarantineTags.FindingId && t.Value == FindingId));
        Assert.Equal(StepOutcome.Skipped, Assert.Single(second.Instances).Outcome);
        Assert.Contains("already snapshotted for this finding", Assert.Single(second.Instances).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_HibernationConfigured_ProtectsThenHibernatesAndSkipsWhenStopped()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);

        var report = await RunAsync(scene, [ContainmentAction.Stop]);
        var again = await RunAsync(scene, [ContainmentAction.Stop]);

        var steps = Assert.Single(report.Instances).Steps;
        Assert.Equal(["lookup", "termination-protection", "hibernate"], steps.Select(s => s.Step));
        Assert.True(await TerminationProtectionAsync(Ec2, scene.InstanceId));
        Assert.Contains((await InstanceAsync(Ec2, scene.InstanceId)).State.Name.Value, new[] { "stopping", "stopped" });
        Assert.Equal(StepOutcome.Skipped, Assert.Single(again.Instances).Outcome);
    }

    [Fact]
    public async Task Release_AfterIsolateSnapshotAndStop_RestoresOriginalStateExactly()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        var original = await FingerprintAsync(Ec2, scene);
        await RunAsync(scene, [ContainmentAction.Isolate]);
        Assert.NotEqual(original, await FingerprintAsync(Ec2, scene));

        var report = await RunAsync(scene, [ContainmentAction.Release]);

        // Without a ledger the state is in tags, which anyone who can tag the instance writes: the profile is left to
        // the operator, with the command. Following it restores the instance exactly.
        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var profileStep = Assert.Single(report.Instances[0].Steps, s => s.Step == "restore-instance-profile");
        Assert.Null(await AssociatedProfileAsync(Ec2, scene.InstanceId));
        await Ec2.AssociateIamInstanceProfileAsync(new AssociateIamInstanceProfileRequest
        {
            InstanceId = scene.InstanceId,
            IamInstanceProfile = new IamInstanceProfileSpecification { Arn = System.Text.RegularExpressions.Regex.Match(profileStep.Detail!, "Arn=(\\S+)").Groups[1].Value },
        });
        Assert.Equal(original, await FingerprintAsync(Ec2, scene));
        Assert.Equal(scene.PrimaryGroups.Order(), await GroupsOfAsync(Ec2, scene.PrimaryEniId));
        Assert.Equal(scene.SecondaryGroups.Order(), await GroupsOfAsync(Ec2, scene.SecondaryEniId));
        Assert.Equal(scene.ProfileArn, await AssociatedProfileAsync(Ec2, scene.InstanceId));
        Assert.DoesNotContain((await TagsAsync(Ec2, scene.InstanceId)).Keys, k => k.StartsWith(QuarantineTags.Prefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Release_NoSavedState_FailsClearlyAndChangesNothing()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        var before = await FingerprintAsync(Ec2, scene);

        var report = await RunAsync(scene, [ContainmentAction.Release]);

        var result = Assert.Single(report.Instances);
        Assert.Equal(StepOutcome.Failed, result.Outcome);
        Assert.Contains("no saved pre-isolation state", result.Reason, StringComparison.Ordinal);
        Assert.Equal(before, await FingerprintAsync(Ec2, scene));
    }

    [Fact]
    public async Task Isolate_ExemptInstance_SkippedAndUntouched()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        await Ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [scene.InstanceId], Tags = [new Tag("SecurityExempt", "true")] });
        var before = await FingerprintAsync(Ec2, scene);

        var report = await RunAsync(scene, [ContainmentAction.Isolate, ContainmentAction.Snapshot], new ContainmentOptions { ExemptTagKey = "SecurityExempt" });

        var result = Assert.Single(report.Instances);
        Assert.Equal(StepOutcome.Skipped, result.Outcome);
        Assert.Contains("exempt: tagged SecurityExempt=true", result.Reason, StringComparison.Ordinal);
        Assert.Equal(before, await FingerprintAsync(Ec2, scene));
    }

    [Fact]
    public async Task Isolate_AccountNotAllowed_SkippedWithoutAnyAwsCall()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        var before = await FingerprintAsync(Ec2, scene);
        _requests.Clear();

        var report = await RunAsync(scene, [ContainmentAction.Isolate], new ContainmentOptions { AllowedAccounts = new HashSet<string> { "111122223333" } });

        var result = Assert.Single(report.Instances);
        Assert.Equal(StepOutcome.Skipped, result.Outcome);
        Assert.Contains("not in ALLOWED_ACCOUNTS", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_requests.Requests);
        Assert.Equal(before, await FingerprintAsync(Ec2, scene));
    }

    [Fact]
    public async Task Isolate_TerminatedOrMissingInstance_SkippedWithReason()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        await Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [scene.InstanceId] });
        var missing = new InstanceReference(InstanceId.Parse("i-0fffffffffffffff0"), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);

        var report = await Engine().RunAsync(new ContainmentRequest(FindingId, [Reference(scene), missing], [ContainmentAction.Isolate], DryRun: false), CancellationToken.None);

        Assert.Equal(["instance is terminated", "instance not found"], report.Instances.Select(i => i.Reason));
        Assert.All(report.Instances, i => Assert.Equal(StepOutcome.Skipped, i.Outcome));
        Assert.Empty(await QuarantineGroupsAsync(Ec2, "isolation"));
    }

    [Fact]
    public async Task DryRun_IsolateSnapshotStop_ReportsDryRunAndChangesNothing()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        var before = await FingerprintAsync(Ec2, scene);
        var beforeWithoutMetadata = await FingerprintAsync(Ec2, scene, includeMetadata: false);

        var report = await RunAsync(scene, [ContainmentAction.Isolate, ContainmentAction.Snapshot, ContainmentAction.Stop], dryRun: true);

        var steps = Assert.Single(report.Instances).Steps;
        Assert.Contains(steps, s => s.Step == "isolation-group" && s.Outcome == StepOutcome.DryRun);
        Assert.Contains(steps, s => s.Step == "snapshot" && s.Outcome == StepOutcome.DryRun);
        Assert.Contains(steps, s => s.Step == "hibernate" && s.Outcome == StepOutcome.DryRun);
        Assert.Contains(steps, s => s.Step == "instance-profile" && s.Outcome == StepOutcome.DryRun && s.Detail!.Contains("no DryRun", StringComparison.Ordinal));
        Assert.Empty(await QuarantineGroupsAsync(Ec2, "isolation"));

        // moto 5.2 ignores DryRun on ModifyInstanceMetadataOptions and acts; the adapter notices and reports the step
        // failed rather than claim a dry run. Real EC2 answers DryRunOperation. Everything else must be untouched.
        var metadata = Assert.Single(steps, s => s.Step == "metadata-endpoint");
        Assert.True(metadata.Outcome == StepOutcome.DryRun || metadata.ErrorCode == "DryRunNotHonoured", $"{metadata.Outcome} {metadata.ErrorCode}");
        var honoured = metadata.Outcome == StepOutcome.DryRun;
        Assert.Equal(await FingerprintAsync(Ec2, scene, includeMetadata: honoured), honoured ? before : beforeWithoutMetadata);
    }

    [Fact]
    public async Task Isolate_IsolationGroupFailsOnOneInstance_ReportedRolledBackAndOtherInstanceIsolated()
    {
        var failing = await Ec2Scene.CreateAsync(Moto, Ec2, "web-1");
        var healthy = await Ec2Scene.CreateAsync(Moto, Ec2, "web-2", failing.VpcId, failing.SubnetId, failing.ProfileArn);

        // Pre-create the groups so the failure can target the isolation group's id on one ENI.
        await RunAsync(healthy, [ContainmentAction.Isolate]);
        await RunAsync(healthy, [ContainmentAction.Release]);
        var isolationId = Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation")).GroupId;
        // A failure no retry fixes (5xx and throttling are retried until the deadline): the group vanished meanwhile.
        Http.Inject(body => body.Contains(failing.SecondaryEniId, StringComparison.Ordinal) && body.Contains(isolationId, StringComparison.Ordinal), "InvalidGroup.NotFound", System.Net.HttpStatusCode.BadRequest, times: 1);

        var report = await Engine().RunAsync(new ContainmentRequest(FindingId, [Reference(failing), Reference(healthy)], [ContainmentAction.Isolate], DryRun: false), CancellationToken.None);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var failed = report.Instances[0];
        Assert.Equal(StepOutcome.Failed, failed.Outcome);
        var step = Assert.Single(failed.Steps, s => s.Outcome == StepOutcome.Failed);
        Assert.Equal(("isolation-group", failing.SecondaryEniId, "InvalidGroup.NotFound"), (step.Step, step.Target, step.ErrorCode));
        Assert.Contains(failed.Steps, s => s.Step == "rollback-conversion" && s.Target == failing.SecondaryEniId && s.Outcome == StepOutcome.Succeeded);
        Assert.Equal(failing.SecondaryGroups.Order(), await GroupsOfAsync(Ec2, failing.SecondaryEniId));
        Assert.Equal([isolationId], await GroupsOfAsync(Ec2, failing.PrimaryEniId));

        Assert.Equal(StepOutcome.Succeeded, report.Instances[1].Outcome);
        Assert.Equal([isolationId], await GroupsOfAsync(Ec2, healthy.PrimaryEniId));
        Assert.Equal([isolationId], await GroupsOfAsync(Ec2, healthy.SecondaryEniId));

        // Not tagged isolated, so running it again finishes the job. Without a ledger the isolated ENI passes through the
        // conversion group again (nothing proves its isolation ThreatResponse's).
        Assert.False((await TagsAsync(Ec2, failing.InstanceId)).ContainsKey(QuarantineTags.Status));
        _requests.Clear();
        var rerun = await RunAsync(failing, [ContainmentAction.Isolate]);

        Assert.Equal(StepOutcome.Succeeded, rerun.Outcome);
        Assert.Contains(rerun.Instances[0].Steps, s => s.Step == "isolation-group" && s.Target == failing.PrimaryEniId && s.Outcome == StepOutcome.Succeeded);
        Assert.Equal([isolationId], await GroupsOfAsync(Ec2, failing.PrimaryEniId));
        Assert.Equal([isolationId], await GroupsOfAsync(Ec2, failing.SecondaryEniId));
        Assert.Equal("isolated", (await TagsAsync(Ec2, failing.InstanceId))[QuarantineTags.Status]);
    }

    [Fact]
    public async Task Isolate_TamperedIsolationGroupWithoutLedger_NeitherRepairedNorUsed()
    {
        // Without a ledger a group of our name is used only as it is; the ledger's repair: QuarantineGroupsByRecordTests.
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        await RunAsync(scene, [ContainmentAction.Isolate]);
        await RunAsync(scene, [ContainmentAction.Release]);
        var isolation = Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation"));
        await Ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = isolation.GroupId,
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] }],
        });

        var report = await RunAsync(scene, [ContainmentAction.Isolate], findingId: FindingId + "-2");

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Contains(Assert.Single(report.Instances).Steps, s => s.Step == "quarantine-groups" && s.Detail!.Contains($"{isolation.GroupId} has our name but other rules: not used", StringComparison.Ordinal));
        Assert.Single((await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [isolation.GroupId] })).SecurityGroups[0].IpPermissions);
        var used = Assert.Single(await GroupsOfAsync(Ec2, scene.PrimaryEniId));
        Assert.NotEqual(isolation.GroupId, used);
        Assert.Empty((await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [used] })).SecurityGroups[0].IpPermissions ?? []);
    }

    private ContainmentEngine Engine(ContainmentOptions? options = null) =>
        new(new Ec2InstanceContainment(new Ec2ClientProvider(_ => Ec2)), options ?? new ContainmentOptions(), TimeProvider.System);

    private Task<ContainmentReport> RunAsync(DemoScene scene, ContainmentAction[] actions, ContainmentOptions? options = null, bool dryRun = false, string findingId = FindingId) =>
        Engine(options).RunAsync(new ContainmentRequest(findingId, [Reference(scene)], actions, dryRun), CancellationToken.None);

    private static InstanceReference Reference(DemoScene scene) =>
        new(InstanceId.Parse(scene.InstanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);
}
