using Amazon.DynamoDBv2;
using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Aws.Ledger;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using static ThreatResponse.Aws.Tests.Ec2.Ec2World;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Aws.Tests.Ec2;

/// <summary>
/// Quarantine groups are ours by the ledger's record alone. What someone with <c>ec2:CreateTags</c> or
/// <c>ec2:CreateSecurityGroup</c> in the account does to groups — our tag on a production group, our name taken, our
/// group's rules changed or the group deleted — never makes ThreatResponse modify or use a group it did not create, and
/// never leaves an instance without isolation. Asserted on EC2's and DynamoDB's resulting state in moto_server.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class QuarantineGroupsByRecordTests(MotoServerFixture moto) : MotoTest(moto), IDisposable
{
    private const string Table = "threat-response-ledger";
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1";
    private readonly AmazonEC2Client _ec2 = moto.CreateEc2Client();
    private readonly AmazonDynamoDBClient _dynamoDb = new(MotoServerFixture.Credentials, moto.Configure(new AmazonDynamoDBConfig()));

    private static AwsScope Scope => new(MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await LedgerTable.CreateAsync(_dynamoDb, Table);
    }

    public void Dispose()
    {
        _ec2.Dispose();
        _dynamoDb.Dispose();
    }

    [Theory]
    [InlineData("conversion")]
    [InlineData("isolation")]
    public async Task Isolate_ProductionGroupTaggedAsOurs_NeverModifiedNorUsed(string role)
    {
        var scene = await Ec2Scene.CreateAsync(Moto, _ec2);
        var production = await ProductionGroupAsync(scene.VpcId, "prod-web");
        await _ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [production], Tags = [new(QuarantineTags.GroupRole, role), new(QuarantineTags.Prefix + "ManagedBy", "ThreatResponse")] });
        var rulesBefore = await RulesAsync(production);

        var report = await IsolateAsync(scene);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Equal(rulesBefore, await RulesAsync(production));
        var recorded = await new DynamoDbQuarantineGroupRegistry(_dynamoDb, Table).ListAsync(Scope, CancellationToken.None);
        Assert.DoesNotContain(recorded, r => r.GroupId == production);
        var isolation = Assert.Single(recorded, r => r.VpcId == scene.VpcId && r.Role == QuarantineGroupRole.Isolation).GroupId;
        Assert.Equal([isolation], await GroupsOfAsync(_ec2, scene.PrimaryEniId));
        Assert.Equal([isolation], await GroupsOfAsync(_ec2, scene.SecondaryEniId));
        Assert.DoesNotContain(report.Instances[0].Steps, s => s.Step is "conversion-group" or "isolation-group" && s.Detail?.Contains(production, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Isolate_InstancesOwnGroupTaggedIsolation_WholePathRunAndTheGroupUntouched()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, _ec2);
        var attackers = await ProductionGroupAsync(scene.VpcId, "attackers");
        await _ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [attackers], Tags = [new(QuarantineTags.GroupRole, "isolation")] });
        foreach (var eni in new[] { scene.PrimaryEniId, scene.SecondaryEniId })
        {
            await _ec2.ModifyNetworkInterfaceAttributeAsync(new ModifyNetworkInterfaceAttributeRequest { NetworkInterfaceId = eni, Groups = [attackers] });
        }

        var rulesBefore = await RulesAsync(attackers);

        var report = await IsolateAsync(scene);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var steps = report.Instances[0].Steps;
        foreach (var eni in new[] { scene.PrimaryEniId, scene.SecondaryEniId })
        {
            // Timeouts to the minimum and the conversion group: the attacker's tracked connections are cut.
            Assert.Contains(steps, s => s.Step == "connection-tracking" && s.Target == eni && s.Outcome == StepOutcome.Succeeded);
            Assert.Contains(steps, s => s.Step == "conversion-group" && s.Target == eni && s.Outcome == StepOutcome.Succeeded);
            Assert.Contains(steps, s => s.Step == "isolation-group" && s.Target == eni && s.Outcome == StepOutcome.Succeeded);
            Assert.DoesNotContain(attackers, await GroupsOfAsync(_ec2, eni));
        }

        Assert.Equal(rulesBefore, await RulesAsync(attackers));
    }

    [Fact]
    public async Task Isolate_GroupPlantedUnderOurNameWithBothFamilies_IsolatedInGroupsOfOurOwnAndPlantedOneUntouched()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, _ec2);
        var planted = new List<string>();
        foreach (var name in new[] { "threat-response-isolation", "threat-response-conversion" })
        {
            var id = (await _ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = name, Description = "planted", VpcId = scene.VpcId })).GroupId;
            await _ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = id, IpPermissions = [BothFamilies()] });
            await _ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = id, IpPermissions = [BothFamilies()] });
            planted.Add(id);
        }

        var before = await Task.WhenAll(planted.Select(RulesAsync));

        var report = await IsolateAsync(scene);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Equal(before, await Task.WhenAll(planted.Select(RulesAsync)));
        var isolation = Assert.Single(await GroupsOfAsync(_ec2, scene.PrimaryEniId));
        Assert.DoesNotContain(isolation, planted);
        Assert.Equal([isolation], await GroupsOfAsync(_ec2, scene.SecondaryEniId));
        var group = (await _ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [isolation] })).SecurityGroups.Single();
        Assert.StartsWith("threat-response-isolation-", group.GroupName, StringComparison.Ordinal);
        Assert.Empty(group.IpPermissions ?? []);
        Assert.Empty(group.IpPermissionsEgress ?? []);
    }

    [Fact]
    public async Task Isolate_RecordedGroupGivenRulesOfBothFamilies_RepairedByRuleIdToNoRuleAtAll()
    {
        var first = await Ec2Scene.CreateAsync(Moto, _ec2, "web-1");
        Assert.Equal(StepOutcome.Succeeded, (await IsolateAsync(first)).Outcome);
        var isolation = Assert.Single(await GroupsOfAsync(_ec2, first.PrimaryEniId));

        // One permission holding both address families, each way: moto ignores revoking one family of such a permission.
        await _ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = isolation, IpPermissions = [BothFamilies()] });
        await _ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = isolation, IpPermissions = [BothFamilies()] });
        var second = await Ec2Scene.CreateAsync(Moto, _ec2, "web-2", first.VpcId, first.SubnetId, first.ProfileArn);

        var report = await IsolateAsync(second, "f2");

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        Assert.Contains(report.Instances[0].Steps, s => s.Step == "quarantine-groups" && s.Detail!.Contains($"{isolation} (recorded, rules repaired)", StringComparison.Ordinal));
        Assert.Empty(await RulesAsync(isolation));
        Assert.Equal([isolation], await GroupsOfAsync(_ec2, second.PrimaryEniId));
    }

    [Fact]
    public async Task Isolate_RecordedGroupDeleted_NewOneCreatedRecordedAndUsed()
    {
        var first = await Ec2Scene.CreateAsync(Moto, _ec2, "web-1");
        await IsolateAsync(first);
        var registry = new DynamoDbQuarantineGroupRegistry(_dynamoDb, Table);
        var conversion = Assert.Single(await registry.ListAsync(Scope, CancellationToken.None), r => r.Role == QuarantineGroupRole.Conversion).GroupId;
        await _ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = conversion });
        var second = await Ec2Scene.CreateAsync(Moto, _ec2, "web-2", first.VpcId, first.SubnetId, first.ProfileArn);

        var report = await IsolateAsync(second, "f2");

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var replaced = Assert.Single(await registry.ListAsync(Scope, CancellationToken.None), r => r.Role == QuarantineGroupRole.Conversion).GroupId;
        Assert.NotEqual(conversion, replaced);
        Assert.Contains(report.Instances[0].Steps, s => s.Step == "conversion-group" && s.Detail!.EndsWith("-> " + replaced, StringComparison.Ordinal));
        Assert.Contains(report.Instances[0].Steps, s => s.Step == "quarantine-groups" && s.Detail!.Contains($"the recorded {conversion} is gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_AgainWithTheLedger_SkipsOnlyWhereTheLedgerRecordedTheIsolation()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, _ec2);
        await IsolateAsync(scene);
        var before = await FingerprintAsync(_ec2, scene);

        var again = await IsolateAsync(scene);

        Assert.Equal(StepOutcome.Skipped, again.Outcome);
        Assert.Contains("already isolated", again.Instances[0].Reason, StringComparison.Ordinal);
        Assert.Equal(before, await FingerprintAsync(_ec2, scene));
    }

    [Fact]
    public async Task Isolate_InOurIsolationGroupWithoutAnIsolationInTheLedger_WholePathRun()
    {
        // Put in our isolation group by someone else (the group is recorded, but no isolation of this instance is).
        var first = await Ec2Scene.CreateAsync(Moto, _ec2, "web-1");
        await IsolateAsync(first);
        var isolation = Assert.Single(await GroupsOfAsync(_ec2, first.PrimaryEniId));
        var second = await Ec2Scene.CreateAsync(Moto, _ec2, "web-2", first.VpcId, first.SubnetId, first.ProfileArn);
        foreach (var eni in new[] { second.PrimaryEniId, second.SecondaryEniId })
        {
            await _ec2.ModifyNetworkInterfaceAttributeAsync(new ModifyNetworkInterfaceAttributeRequest { NetworkInterfaceId = eni, Groups = [isolation] });
        }

        var report = await IsolateAsync(second, "f2");

        var steps = report.Instances[0].Steps;
        Assert.Contains(steps, s => s.Step == "conversion-group" && s.Target == second.PrimaryEniId && s.Outcome == StepOutcome.Succeeded);
        Assert.Contains(steps, s => s.Step == "conversion-group" && s.Target == second.SecondaryEniId && s.Outcome == StepOutcome.Succeeded);
        Assert.Equal([isolation], await GroupsOfAsync(_ec2, second.PrimaryEniId));
    }

    private async Task<ContainmentReport> IsolateAsync(DemoScene scene, string finding = FindingId)
    {
        var engine = new ContainmentEngine(
            new Ec2InstanceContainment(new Ec2ClientProvider(_ => _ec2)), new ContainmentOptions(), TimeProvider.System,
            new ContainmentPorts { StateStore = new DynamoDbIsolationStateStore(_dynamoDb, Table), GroupRegistry = new DynamoDbQuarantineGroupRegistry(_dynamoDb, Table) });
        var instance = new InstanceReference(InstanceId.Parse(scene.InstanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);
        return await engine.RunAsync(new ContainmentRequest(finding, [instance], [ContainmentAction.Isolate], DryRun: false), CancellationToken.None);
    }

    private async Task<string> ProductionGroupAsync(string vpcId, string name)
    {
        var id = (await _ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = $"{name}-{Guid.NewGuid():N}", Description = name, VpcId = vpcId })).GroupId;
        await _ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = id,
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 443, ToPort = 443, Ipv4Ranges = [new IpRange { CidrIp = "10.0.0.0/8" }] }],
        });
        return id;
    }

    private static IpPermission BothFamilies() => new()
    {
        IpProtocol = "tcp",
        FromPort = 22,
        ToPort = 22,
        Ipv4Ranges = [new IpRange { CidrIp = "203.0.113.0/24" }],
        Ipv6Ranges = [new Ipv6Range { CidrIpv6 = "2001:db8::/32" }],
    };

    /// <summary>Every rule of the group, one line each, sorted: what an untouched group keeps.</summary>
    private async Task<List<string>> RulesAsync(string groupId)
    {
        var rules = (await _ec2.DescribeSecurityGroupRulesAsync(new DescribeSecurityGroupRulesRequest { Filters = [new Filter("group-id", [groupId])] })).SecurityGroupRules ?? [];
        return [.. rules.Select(r => $"{(r.IsEgress == true ? "egress" : "ingress")} {r.IpProtocol} {r.FromPort}-{r.ToPort} {r.CidrIpv4}{r.CidrIpv6}{r.PrefixListId}{r.ReferencedGroupInfo?.GroupId}").Order(StringComparer.Ordinal)];
    }
}
