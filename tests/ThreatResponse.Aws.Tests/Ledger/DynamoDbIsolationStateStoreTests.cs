using Amazon.DynamoDBv2;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Aws.Ledger;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using static ThreatResponse.Aws.Tests.Ec2.Ec2World;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Aws.Tests.Ledger;

[Collection(MotoCollectionDefinition.Name)]
public sealed class DynamoDbIsolationStateStoreTests(MotoServerFixture moto) : MotoTest(moto)
{
    private const string Table = "threat-response-ledger";

    /// <summary>The engine with its state in the ledger, and the scene's instance.</summary>
    private static (DynamoDbIsolationStateStore Store, ContainmentEngine Engine, InstanceReference Instance) LedgerEngine(Amazon.EC2.IAmazonEC2 ec2, IAmazonDynamoDB dynamoDb, DemoScene scene)
    {
        var store = new DynamoDbIsolationStateStore(dynamoDb, Table);
        var engine = new ContainmentEngine(new Ec2InstanceContainment(new Ec2ClientProvider(_ => ec2)), new ContainmentOptions(), TimeProvider.System, new ContainmentPorts { StateStore = store });
        return (store, engine, new InstanceReference(InstanceId.Parse(scene.InstanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var dynamoDb = DynamoDb();
        await LedgerTable.CreateAsync(dynamoDb, Table);
    }

    [Fact]
    public async Task IsolateThenRelease_WithLedger_StateLivesInDynamoDbNotInTags()
    {
        using var ec2 = Moto.CreateEc2Client();
        using var dynamoDb = DynamoDb();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var original = await FingerprintAsync(ec2, scene);
        var (store, engine, instance) = LedgerEngine(ec2, dynamoDb, scene);

        var isolated = await engine.RunAsync(new ContainmentRequest("finding-1", [instance], [ContainmentAction.Isolate], false), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, isolated.Outcome);
        Assert.DoesNotContain((await TagsAsync(ec2, scene.InstanceId)).Keys, IsolationStateTags.IsStateKey);
        var saved = await store.LoadAsync(instance, CancellationToken.None);
        Assert.NotNull(saved);
        Assert.Equal(scene.SecondaryGroups, saved.GroupsByNetworkInterface[scene.SecondaryEniId]);
        Assert.Equal(scene.ProfileArn, saved.ProfileArn);
        Assert.Equal("terminate", saved.ShutdownBehavior);

        var released = await engine.RunAsync(new ContainmentRequest(null, [instance], [ContainmentAction.Release], false), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(original, await FingerprintAsync(ec2, scene));

        // Kept for the record, marked released: a second release changes nothing and says since when.
        var kept = await store.LoadAsync(instance, CancellationToken.None);
        Assert.NotNull(kept);
        Assert.NotNull(kept.ReleasedAt);
        Assert.Equal(scene.SecondaryGroups, kept.GroupsByNetworkInterface[scene.SecondaryEniId]);
        var again = await engine.RunAsync(new ContainmentRequest(null, [instance], [ContainmentAction.Release], false), CancellationToken.None);
        Assert.Equal(StepOutcome.Skipped, again.Outcome);
        Assert.Contains(again.Instances[0].Steps, s => s.Step == "release" && s.Detail!.Contains("already released", StringComparison.Ordinal));
        Assert.Equal(original, await FingerprintAsync(ec2, scene));
    }

    [Fact]
    public async Task Isolate_AfterAnIsolationUndoneByHand_NewStateSupersedesTheOldOneKeptForTheRecord_ReleaseRestoresTheNew()
    {
        using var ec2 = Moto.CreateEc2Client();
        using var dynamoDb = DynamoDb();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var (store, engine, instance) = LedgerEngine(ec2, dynamoDb, scene);
        Assert.Equal(StepOutcome.Succeeded, (await engine.RunAsync(new ContainmentRequest("finding-1", [instance], [ContainmentAction.Isolate], false), CancellationToken.None)).Outcome);
        var first = await store.LoadAsync(instance, CancellationToken.None);

        // Months later the instance is back in service by hand, not by release, and its groups have changed since.
        var newGroup = (await ec2.CreateSecurityGroupAsync(new Amazon.EC2.Model.CreateSecurityGroupRequest { GroupName = "web-v2", Description = "new", VpcId = scene.VpcId })).GroupId;
        await ec2.ModifyNetworkInterfaceAttributeAsync(new Amazon.EC2.Model.ModifyNetworkInterfaceAttributeRequest { NetworkInterfaceId = scene.PrimaryEniId, Groups = [newGroup] });
        await ec2.ModifyNetworkInterfaceAttributeAsync(new Amazon.EC2.Model.ModifyNetworkInterfaceAttributeRequest { NetworkInterfaceId = scene.SecondaryEniId, Groups = [.. scene.SecondaryGroups] });
        await ec2.ModifyInstanceMetadataOptionsAsync(new Amazon.EC2.Model.ModifyInstanceMetadataOptionsRequest { InstanceId = scene.InstanceId, HttpEndpoint = "enabled", HttpTokens = "optional" });
        var ours = (await TagsAsync(ec2, scene.InstanceId)).Keys.Where(k => k.StartsWith("ThreatResponse:", StringComparison.Ordinal)).Select(k => new Amazon.EC2.Model.Tag { Key = k }).ToList();
        await ec2.DeleteTagsAsync(new Amazon.EC2.Model.DeleteTagsRequest { Resources = [scene.InstanceId], Tags = ours });
        var undone = await FingerprintAsync(ec2, scene);

        Assert.Equal(StepOutcome.Succeeded, (await engine.RunAsync(new ContainmentRequest("finding-2", [instance], [ContainmentAction.Isolate], false), CancellationToken.None)).Outcome);

        var second = await store.LoadAsync(instance, CancellationToken.None);
        Assert.Equal("finding-2", second!.FindingId);
        Assert.Equal([newGroup], second.GroupsByNetworkInterface[scene.PrimaryEniId]);
        var record = await dynamoDb.GetItemAsync(Table, new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>
        {
            ["pk"] = new($"instance#{instance.Account}#{instance.Region}#{instance.InstanceId}"),
            ["sk"] = new($"{DynamoDbIsolationStateStore.SupersededSortKeyPrefix}{first!.SavedAt:O}"),
        });
        Assert.True(record.IsItemSet, "the superseded state is not kept");
        Assert.Equal("finding-1", IsolationStateJson.Deserialize(record.Item["state"].S).FindingId);

        Assert.Equal(StepOutcome.Succeeded, (await engine.RunAsync(new ContainmentRequest(null, [instance], [ContainmentAction.Release], false), CancellationToken.None)).Outcome);
        Assert.Equal(undone, await FingerprintAsync(ec2, scene));
    }

    [Fact]
    public async Task Release_InstanceTerminatedAfterIsolation_ItsNetworkAclEntriesRemovedAndStateMarkedReleased()
    {
        using var ec2 = Moto.CreateEc2Client();
        using var dynamoDb = DynamoDb();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var acl = (await ec2.DescribeNetworkAclsAsync(new Amazon.EC2.Model.DescribeNetworkAclsRequest { Filters = [new("vpc-id", [scene.VpcId])] })).NetworkAcls.Single().NetworkAclId;
        async Task<int> DenyEntriesAsync() =>
            (await ec2.DescribeNetworkAclsAsync(new Amazon.EC2.Model.DescribeNetworkAclsRequest { NetworkAclIds = [acl] })).NetworkAcls[0].Entries.Count(e => e.RuleAction.Value == "deny" && e.RuleNumber < 32767);
        var (store, engine, instance) = LedgerEngine(ec2, dynamoDb, scene);
        Assert.Equal(StepOutcome.Succeeded, (await engine.RunAsync(new ContainmentRequest("finding-t", [instance], [ContainmentAction.Isolate], false), CancellationToken.None)).Outcome);
        Assert.Equal(4, await DenyEntriesAsync());
        await ec2.ModifyInstanceAttributeAsync(new Amazon.EC2.Model.ModifyInstanceAttributeRequest { InstanceId = scene.InstanceId, DisableApiTermination = false });
        await ec2.TerminateInstancesAsync(new Amazon.EC2.Model.TerminateInstancesRequest { InstanceIds = [scene.InstanceId] });

        var released = await engine.RunAsync(new ContainmentRequest(null, [instance], [ContainmentAction.Release], false), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(0, await DenyEntriesAsync());
        Assert.NotNull((await store.LoadAsync(instance, CancellationToken.None))?.ReleasedAt);
        Assert.Contains(released.Instances[0].Steps, s => s.Step == "forget" && s.Outcome == StepOutcome.Succeeded);
        Assert.DoesNotContain(released.Instances[0].Steps, s => s.Step.StartsWith("restore-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_KilledBetweenConversionAndIsolation_RetryIsolatesAndTheLedgerHoldsTheRealGroups()
    {
        using var setup = Moto.CreateEc2Client();
        using var dynamoDb = DynamoDb();
        var scene = await Ec2Scene.CreateAsync(Moto, setup);
        var original = await FingerprintAsync(setup, scene);
        var warmUp = await Ec2Scene.CreateAsync(Moto, setup, "web-2", scene.VpcId, scene.SubnetId, scene.ProfileArn);
        var store = new DynamoDbIsolationStateStore(dynamoDb, Table);
        Engine Build(Amazon.EC2.IAmazonEC2 client) => new(new ContainmentEngine(new Ec2InstanceContainment(new Ec2ClientProvider(_ => client)), new ContainmentOptions(), TimeProvider.System, new ContainmentPorts { StateStore = store }));
        await Build(setup).RunAsync(Reference(warmUp), ContainmentAction.Isolate, CancellationToken.None);
        var isolation = Assert.Single(await QuarantineGroupsAsync(setup, "isolation")).GroupId;
        var conversion = Assert.Single(await QuarantineGroupsAsync(setup, "conversion")).GroupId;

        // The isolation group's request never gets an answer; the invocation is then killed.
        using var proxy = new RecordingProxy(Moto.Endpoint);
        proxy.Inject(c => c.Operation == "ModifyNetworkInterfaceAttribute" && c.Body.Contains(isolation, StringComparison.Ordinal), new ProxyFault.Delay(TimeSpan.FromMinutes(10)));
        var config = Moto.Configure(new Amazon.EC2.AmazonEC2Config());
        config.ServiceURL = proxy.Endpoint.ToString();
        using var hanging = new Amazon.EC2.AmazonEC2Client(MotoServerFixture.Credentials, config);
        using var death = new CancellationTokenSource();
        var killed = Build(hanging).RunAsync(Reference(scene), ContainmentAction.Isolate, death.Token);
        await WaitUntilAsync(() => proxy.Calls.Any(c => c.Operation == "ModifyNetworkInterfaceAttribute" && c.Body.Contains(isolation, StringComparison.Ordinal)));
        await death.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => killed);
        Assert.Contains(conversion, await GroupsOfAsync(setup, scene.PrimaryEniId));

        var retry = await Build(setup).RunAsync(Reference(scene), ContainmentAction.Isolate, CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, retry.Outcome);
        Assert.Equal([isolation], await GroupsOfAsync(setup, scene.PrimaryEniId));
        Assert.Equal([isolation], await GroupsOfAsync(setup, scene.SecondaryEniId));
        var saved = await store.LoadAsync(Reference(scene), CancellationToken.None);
        Assert.Equal(scene.PrimaryGroups.Order(), saved!.GroupsByNetworkInterface[scene.PrimaryEniId].Order());
        Assert.Equal(scene.SecondaryGroups.Order(), saved.GroupsByNetworkInterface[scene.SecondaryEniId].Order());

        Assert.Equal(StepOutcome.Succeeded, (await Build(setup).RunAsync(Reference(scene), ContainmentAction.Release, CancellationToken.None)).Outcome);
        Assert.Equal(original, await FingerprintAsync(setup, scene));
    }

    [Fact]
    public async Task IsolateThenRelease_WithLedger_PlantedStatusAndStateTagsChangeNothing()
    {
        using var ec2 = Moto.CreateEc2Client();
        using var dynamoDb = DynamoDb();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var attacker = (await ec2.CreateSecurityGroupAsync(new Amazon.EC2.Model.CreateSecurityGroupRequest { GroupName = "open-door", Description = "attacker", VpcId = scene.VpcId })).GroupId;
        var forged = new PreIsolationState(
            new Dictionary<string, IReadOnlyList<string>> { [scene.PrimaryEniId] = [attacker], [scene.SecondaryEniId] = [attacker] },
            "arn:aws:iam::123456789012:instance-profile/admin", new MetadataOptionsState("enabled", "optional", 5, "enabled", "disabled"), false, "terminate", "forged", DateTimeOffset.UnixEpoch);
        async Task PlantAsync(bool status)
        {
            var tags = IsolationStateTags.Encode(forged).Select(t => new Amazon.EC2.Model.Tag(t.Key, t.Value)).ToList();
            if (status)
            {
                tags.Add(new Amazon.EC2.Model.Tag(QuarantineTags.Status, QuarantineTags.StatusIsolated));
            }

            await ec2.CreateTagsAsync(new Amazon.EC2.Model.CreateTagsRequest { Resources = [scene.InstanceId], Tags = tags });
        }

        var engine = new Engine(new ContainmentEngine(new Ec2InstanceContainment(new Ec2ClientProvider(_ => ec2)), new ContainmentOptions(), TimeProvider.System, new ContainmentPorts { StateStore = new DynamoDbIsolationStateStore(dynamoDb, Table) }));
        await PlantAsync(status: true);

        var isolated = await engine.RunAsync(Reference(scene), ContainmentAction.Isolate, CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, isolated.Outcome);
        var isolation = Assert.Single(await QuarantineGroupsAsync(ec2, "isolation")).GroupId;
        Assert.Equal([isolation], await GroupsOfAsync(ec2, scene.PrimaryEniId));
        Assert.Null(await AssociatedProfileAsync(ec2, scene.InstanceId));

        await PlantAsync(status: false);
        var released = await engine.RunAsync(Reference(scene), ContainmentAction.Release, CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(scene.PrimaryGroups.Order(), await GroupsOfAsync(ec2, scene.PrimaryEniId));
        Assert.Equal(scene.ProfileArn, await AssociatedProfileAsync(ec2, scene.InstanceId));
        Assert.DoesNotContain(attacker, await GroupsOfAsync(ec2, scene.SecondaryEniId));
    }

    private static InstanceReference Reference(DemoScene scene) =>
        new(InstanceId.Parse(scene.InstanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "timed out waiting");
    }

    /// <summary>One engine with one action per call, for these tests' brevity.</summary>
    private sealed class Engine(ContainmentEngine engine)
    {
        public Task<ContainmentReport> RunAsync(InstanceReference instance, ContainmentAction action, CancellationToken cancellationToken) =>
            engine.RunAsync(new ContainmentRequest("finding-k", [instance], [action], false), cancellationToken);
    }

    [Fact]
    public async Task Save_SecondSave_ReplacesTheFirstWithEveryPartKept()
    {
        using var dynamoDb = DynamoDb();
        var store = new DynamoDbIsolationStateStore(dynamoDb, Table);
        var instance = new InstanceReference(InstanceId.Parse("i-0123456789abcdef0"), "111122223333", "eu-west-1");
        var metadata = new MetadataOptionsState("enabled", "required", 2, "disabled", "disabled");
        var first = new PreIsolationState(new Dictionary<string, IReadOnlyList<string>> { ["eni-1"] = ["sg-original"] }, null, metadata, false, "stop", "f1", DateTimeOffset.UnixEpoch);
        var second = first with
        {
            TrackingByNetworkInterface = new Dictionary<string, ConnectionTrackingState> { ["eni-1"] = new(3600, 120, 30) },
            AclEntries = [new NetworkAclDenyEntry("acl-1", 1, false, "10.0.1.4/32"), new NetworkAclDenyEntry("acl-1", 2, true, "2600:1f18::4/128")],
        };

        await store.SaveAsync(instance, first, CancellationToken.None);
        await store.SaveAsync(instance, second, CancellationToken.None);

        var loaded = await store.LoadAsync(instance, CancellationToken.None);
        Assert.Equal(["sg-original"], loaded!.GroupsByNetworkInterface["eni-1"]);
        Assert.Equal("f1", loaded.FindingId);
        Assert.Equal(metadata, loaded.MetadataOptions);
        Assert.Equal(new ConnectionTrackingState(3600, 120, 30), loaded.TrackingByNetworkInterface!["eni-1"]);
        Assert.Equal(second.AclEntries, loaded.AclEntries);
    }

    private AmazonDynamoDBClient DynamoDb() => new(MotoServerFixture.Credentials, Moto.Configure(new AmazonDynamoDBConfig()));
}
