using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Ec2;

/// <summary>
/// Issue 18 item 4 against moto_server: a VPC's forensic channel found from its endpoints, and the forensic group made
/// and kept exactly TCP 443 out to it. Assertions read EC2's resulting state.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class ForensicChannelOnEc2Tests(MotoServerFixture moto) : MotoTest(moto), IDisposable
{
    private const string Region = MotoServerFixture.DefaultRegion;
    private const string GroupName = "threat-response-forensic";
    private static readonly AwsScope Scope = new(MotoServerFixture.DefaultAccount, Region);
    private readonly AwsRequestLog _requests = new();
    private AmazonEC2Client? _ec2;
    private AmazonEC2Client? _adapterEc2;

    /// <summary>Sets up and reads back the scene; the adapter has a client of its own, whose requests are recorded.</summary>
    private AmazonEC2Client Ec2 => _ec2 ??= Moto.CreateEc2Client();

    private Ec2InstanceContainment Adapter => new(new Ec2ClientProvider(_ => _adapterEc2 ??= Moto.CreateEc2Client(http: new RecordingHttpClientFactory(_requests))));

    public void Dispose()
    {
        _ec2?.Dispose();
        _adapterEc2?.Dispose();
    }

    [Fact]
    public async Task FindForensicChannelAsync_AllFourEndpointsWithS3Gateway_EndpointEniAddressesAndS3PrefixList()
    {
        var vpc = await VpcAsync();
        var endpoints = await ChannelEndpointsAsync(vpc, s3Gateway: true);

        var lookup = await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None);

        Assert.Null(lookup.Missing);
        var channel = Assert.IsType<ForensicChannel>(lookup.Channel);
        Assert.Equal(vpc.VpcId, channel.VpcId);
        Assert.Equal(3, channel.EndpointCidrs.Count);
        Assert.Equal(await EniCidrsAsync(endpoints["ssm"], endpoints["ssmmessages"], endpoints["ec2messages"]), channel.EndpointCidrs);
        Assert.Equal([await S3PrefixListAsync()], channel.PrefixListIds);
        Assert.Equal(
            $"{endpoints["ssm"].VpcEndpointId} (ssm), {endpoints["ssmmessages"].VpcEndpointId} (ssmmessages), {endpoints["ec2messages"].VpcEndpointId} (ec2messages), "
            + $"{endpoints["s3"].VpcEndpointId} (s3 gateway, {channel.PrefixListIds[0]})",
            channel.Summary);
    }

    /// <summary>Each endpoint the channel goes through comes with its policy as EC2 holds it, so Core can refuse an unconfined one.</summary>
    [Fact]
    public async Task FindForensicChannelAsync_EachEndpointWithItsPolicy()
    {
        var vpc = await VpcAsync();
        var endpoints = await ChannelEndpointsAsync(vpc, s3Gateway: true);
        const string Confined = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::evidence/*"}]}""";
        await Ec2.ModifyVpcEndpointAsync(new ModifyVpcEndpointRequest { VpcEndpointId = endpoints["s3"].VpcEndpointId, PolicyDocument = Confined });

        var channel = (await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None)).Channel!;

        Assert.Equal(
            new[] { "ssm", "ssmmessages", "ec2messages", "s3" }.Select(service => (endpoints[service].VpcEndpointId, service)),
            channel.Endpoints.Select(e => (e.EndpointId, e.Service)));
        Assert.Equal(Confined, channel.Endpoints.Single(e => e.Service == "s3").PolicyDocument);
        // Created without one: the full-access policy EC2 (and moto) gives, which Core refuses.
        Assert.All(channel.Endpoints.Where(e => e.Service != "s3"), e => Assert.NotNull(ForensicEndpointPolicy.ProblemOf(e.Service, e.PolicyDocument, new WindowConfinement(Region, "evidence", Scope.Account, null))));
        Assert.Null(ForensicEndpointPolicy.ProblemOf("s3", channel.Endpoints.Single(e => e.Service == "s3").PolicyDocument, new WindowConfinement(Region, "evidence", Scope.Account, null)));
    }

    [Fact]
    public async Task FindForensicChannelAsync_S3InterfaceEndpoint_ItsEniAddressTooAndNoPrefixList()
    {
        var vpc = await VpcAsync();
        var endpoints = await ChannelEndpointsAsync(vpc, s3Gateway: false);

        var channel = (await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None)).Channel;

        Assert.NotNull(channel);
        Assert.Equal(4, channel.EndpointCidrs.Count);
        Assert.Equal(await EniCidrsAsync([.. endpoints.Values]), channel.EndpointCidrs);
        Assert.All(channel.EndpointCidrs, c => Assert.EndsWith("/32", c, StringComparison.Ordinal));
        Assert.Empty(channel.PrefixListIds);
        Assert.EndsWith($"{endpoints["s3"].VpcEndpointId} (s3 interface)", channel.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindForensicChannelAsync_S3ThroughTheGatewayOnly_NamesItsRouteTablesAndTheSubnetsTableIsFound()
    {
        var vpc = await VpcAsync();
        await ChannelEndpointsAsync(vpc, s3Gateway: true);
        var other = (await Ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.0.2.0/24" })).Subnet.SubnetId;
        var own = (await Ec2.CreateRouteTableAsync(new CreateRouteTableRequest { VpcId = vpc.VpcId })).RouteTable.RouteTableId;
        await Ec2.AssociateRouteTableAsync(new AssociateRouteTableRequest { RouteTableId = own, SubnetId = other });

        var channel = (await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None)).Channel!;

        Assert.Equal([vpc.RouteTableId], channel.GatewayRouteTableIds);
        Assert.Equal(vpc.RouteTableId, await Adapter.FindSubnetRouteTableAsync(Scope, vpc.VpcId, vpc.SubnetId, CancellationToken.None)); // the main table
        Assert.Equal(own, await Adapter.FindSubnetRouteTableAsync(Scope, vpc.VpcId, other, CancellationToken.None)); // its own association
    }

    [Fact]
    public async Task FindForensicChannelAsync_S3InterfaceEndpoint_NoRouteTableToCheck()
    {
        var vpc = await VpcAsync();
        await ChannelEndpointsAsync(vpc, s3Gateway: false);
        await EndpointAsync(vpc, "s3", VpcEndpointType.Gateway, privateDns: false);

        var channel = (await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None)).Channel!;

        Assert.Empty(channel.GatewayRouteTableIds);
    }

    [Fact]
    public async Task FindForensicChannelAsync_SsmmessagesEndpointDeleted_NamesSsmmessagesMissing()
    {
        var vpc = await VpcAsync();
        var endpoints = await ChannelEndpointsAsync(vpc, s3Gateway: true);
        await Ec2.DeleteVpcEndpointsAsync(new DeleteVpcEndpointsRequest { VpcEndpointIds = [endpoints["ssmmessages"].VpcEndpointId] });

        var lookup = await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None);

        Assert.Null(lookup.Channel);
        Assert.Equal($"no interface endpoint with private DNS for ssmmessages in {vpc.VpcId}", lookup.Missing);
    }

    [Fact]
    public async Task FindForensicChannelAsync_SsmWithoutPrivateDns_NamesSsmMissing()
    {
        var vpc = await VpcAsync();
        await ChannelEndpointsAsync(vpc, s3Gateway: true, skip: "ssm");
        await EndpointAsync(vpc, "ssm", VpcEndpointType.Interface, privateDns: false);

        var lookup = await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None);

        Assert.Null(lookup.Channel);
        Assert.Equal($"no interface endpoint with private DNS for ssm in {vpc.VpcId}", lookup.Missing);
    }

    [Fact]
    public async Task FindForensicChannelAsync_NoS3Endpoint_NamesS3Missing()
    {
        var vpc = await VpcAsync();
        await ChannelEndpointsAsync(vpc, s3Gateway: true, skip: "s3");

        var lookup = await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None);

        Assert.Null(lookup.Channel);
        Assert.Equal($"no S3 gateway or interface endpoint with private DNS in {vpc.VpcId}", lookup.Missing);
    }

    [Fact]
    public async Task FindForensicChannelAsync_AllEndpointsInAnotherVpc_NamesEveryOneMissing()
    {
        var vpc = await VpcAsync();
        await ChannelEndpointsAsync(await VpcAsync("10.1.0.0/16"), s3Gateway: true);

        var lookup = await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None);

        Assert.Null(lookup.Channel);
        Assert.Equal($"no interface endpoint with private DNS for ssm, ssmmessages, ec2messages; no S3 gateway or interface endpoint with private DNS in {vpc.VpcId}", lookup.Missing);
    }

    [Theory]
    [InlineData("com.amazonaws.us-east-1.ssm-contacts")]
    [InlineData("com.amazonaws.vpce.us-east-1.vpce-svc-123")]
    [InlineData("com.amazonaws.us-west-2.ssm")]
    [InlineData("com.amazonaws.us-east-1.ssm.example")]
    public async Task FindForensicChannelAsync_LookAlikeServiceInsteadOfSsm_NamesSsmMissing(string serviceName)
    {
        var vpc = await VpcAsync();
        await ChannelEndpointsAsync(vpc, s3Gateway: true, skip: "ssm");
        await EndpointAsync(vpc, serviceName, VpcEndpointType.Interface, privateDns: true, fullName: true);

        var lookup = await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None);

        Assert.Null(lookup.Channel);
        Assert.Equal($"no interface endpoint with private DNS for ssm in {vpc.VpcId}", lookup.Missing);
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_NoGroup_CreatesTaggedGroupWithOnlyTcp443ToTheChannel()
    {
        var (vpc, channel) = await ChannelAsync();

        var group = await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: false, CancellationToken.None);

        Assert.NotNull(group);
        Assert.Equal("created", group.Note);
        var described = Assert.Single(await ForensicGroupsAsync());
        Assert.Equal((group.GroupId, GroupName, vpc.VpcId), (described.GroupId, described.GroupName, described.VpcId));
        var tags = described.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("ThreatResponse", tags[QuarantineTags.Prefix + "ManagedBy"]);
        Assert.Equal(GroupName, tags["Name"]);
        Assert.Equal(Required(channel), await RulesAsync(group.GroupId));
        Assert.DoesNotContain(await RulesAsync(group.GroupId), r => r.Contains("0.0.0.0/0", StringComparison.Ordinal) || r.Contains(" -1 ", StringComparison.Ordinal));

        var found = Assert.Single(await Adapter.DescribeQuarantineGroupsAsync(Scope, [new RecordedQuarantineGroup(vpc.VpcId, QuarantineGroupRole.Forensic, group.GroupId)], CancellationToken.None));
        Assert.Equal(new QuarantineGroup(group.GroupId, vpc.VpcId, QuarantineGroupRole.Forensic, RulesAsRequired: true), found);
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_GroupAlreadyExact_ExistingAfterOneDescribeAndNoChange()
    {
        var (_, channel) = await ChannelAsync();
        var first = await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: false, CancellationToken.None);
        _requests.Clear();

        var second = await Adapter.EnsureForensicGroupAsync(Scope, channel, first!.GroupId, dryRun: false, CancellationToken.None);

        Assert.Equal(new ForensicGroup(first!.GroupId, "existing"), second);
        Assert.Equal(["DescribeSecurityGroups"], _requests.Requests.Select(r => r.Operation));
        Assert.Equal(Required(channel), await RulesAsync(first.GroupId));
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_AllTrafficEgressAndIngressAdded_RevokedToExactlyTheChannel()
    {
        var (_, channel) = await ChannelAsync();
        var groupId = (await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: false, CancellationToken.None))!.GroupId;
        await Ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = groupId, IpPermissions = [new() { IpProtocol = "-1", Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] }] });
        await Ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = groupId, IpPermissions = [Tcp443(ipv4: "198.51.100.7/32")] });
        await Ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = groupId, IpPermissions = [new() { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] }] });
        Assert.False(Assert.Single(await Adapter.DescribeQuarantineGroupsAsync(Scope, [new RecordedQuarantineGroup(channel.VpcId, QuarantineGroupRole.Forensic, groupId)], CancellationToken.None)).RulesAsRequired);

        var repaired = await Adapter.EnsureForensicGroupAsync(Scope, channel, groupId, dryRun: false, CancellationToken.None);

        Assert.Equal(new ForensicGroup(groupId, "rules repaired"), repaired);
        Assert.Equal(Required(channel), await RulesAsync(groupId));
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_GroupOfThatNameMadeBySomeoneElse_LeftUntouchedAndOursCreatedUnderAnotherName()
    {
        var (vpc, channel) = await ChannelAsync();
        var planted = (await Ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = GroupName, Description = "someone's", VpcId = vpc.VpcId })).GroupId;
        await Ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = planted, IpPermissions = [new() { IpProtocol = "-1", Ipv4Ranges = [new IpRange { CidrIp = "10.0.0.0/8" }] }] });
        var plantedRules = await RulesAsync(planted);

        var ours = await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: false, CancellationToken.None);

        Assert.NotNull(ours);
        Assert.NotEqual(planted, ours.GroupId);
        Assert.Equal("created", ours.Note);
        Assert.Equal(plantedRules, await RulesAsync(planted));
        Assert.Equal(Required(channel), await RulesAsync(ours.GroupId));
        var name = (await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [ours.GroupId] })).SecurityGroups.Single().GroupName;
        Assert.StartsWith(GroupName + "-", name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_EndpointReplaced_StaleAddressRevokedNewOneAuthorized()
    {
        var (vpc, channel) = await ChannelAsync();
        var groupId = (await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: false, CancellationToken.None))!.GroupId;
        var ssm = (await Ec2.DescribeVpcEndpointsAsync(new DescribeVpcEndpointsRequest())).VpcEndpoints.Single(e => e.ServiceName == $"com.amazonaws.{Region}.ssm");
        var stale = await EniCidrsAsync(ssm);
        await Ec2.DeleteVpcEndpointsAsync(new DeleteVpcEndpointsRequest { VpcEndpointIds = [ssm.VpcEndpointId] });
        var replacement = await EndpointAsync(vpc, "ssm", VpcEndpointType.Interface, privateDns: true);
        var changed = (await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None)).Channel!;
        var fresh = await EniCidrsAsync(replacement);
        Assert.Empty(stale.Intersect(changed.EndpointCidrs));
        Assert.Subset(changed.EndpointCidrs.ToHashSet(), fresh.ToHashSet());

        var repaired = await Adapter.EnsureForensicGroupAsync(Scope, changed, groupId, dryRun: false, CancellationToken.None);

        Assert.Equal(new ForensicGroup(groupId, "rules repaired"), repaired);
        var rules = await RulesAsync(groupId);
        Assert.Equal(Required(changed), rules);
        Assert.DoesNotContain(rules, r => stale.Any(s => r.EndsWith(" " + s, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_Ipv6Address_AllowedAsIpv6RangeOnly()
    {
        var vpc = await VpcAsync();
        var channel = new ForensicChannel(vpc.VpcId, ["10.0.1.5/32", "2600:1f18:abcd::5/128"], [], "hand-made");

        var created = await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: false, CancellationToken.None);
        _requests.Clear();
        var again = await Adapter.EnsureForensicGroupAsync(Scope, channel, created!.GroupId, dryRun: false, CancellationToken.None);

        Assert.Equal("existing", again!.Note);
        Assert.Equal(["egress tcp 443-443 10.0.1.5/32", "egress tcp 443-443 2600:1f18:abcd::5/128"], await RulesAsync(created!.GroupId));
        Assert.Equal("DescribeSecurityGroups", Assert.Single(_requests.Requests).Operation);
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_DryRunWithoutGroup_NullAndNothingCreated()
    {
        var (vpc, channel) = await ChannelAsync();

        var group = await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: true, CancellationToken.None);

        Assert.Null(group);
        Assert.Empty((await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new Filter("vpc-id", [vpc.VpcId]), new Filter("group-name", [GroupName])],
        })).SecurityGroups ?? []);
        Assert.Empty(await ForensicGroupsAsync());
    }

    [Fact]
    public async Task EnsureForensicGroupAsync_DryRunWithChangedGroup_WouldBeRepairedAndLeftAsItIs()
    {
        var (_, channel) = await ChannelAsync();
        var groupId = (await Adapter.EnsureForensicGroupAsync(Scope, channel, null, dryRun: false, CancellationToken.None))!.GroupId;
        await Ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = groupId, IpPermissions = [Tcp443(ipv4: "198.51.100.7/32")] });
        var before = await RulesAsync(groupId);
        _requests.Clear();

        var group = await Adapter.EnsureForensicGroupAsync(Scope, channel, groupId, dryRun: true, CancellationToken.None);

        Assert.Equal(new ForensicGroup(groupId, "rules would be repaired"), group);
        Assert.Equal(before, await RulesAsync(groupId));
        Assert.Equal("DescribeSecurityGroups", Assert.Single(_requests.Requests).Operation);
    }

    private sealed record Vpc(string VpcId, string SubnetId, string RouteTableId);

    private async Task<Vpc> VpcAsync(string cidr = "10.0.0.0/16")
    {
        var vpcId = (await Ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = cidr })).Vpc.VpcId;
        var subnetId = (await Ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpcId, CidrBlock = cidr.Replace("0.0/16", "1.0/24", StringComparison.Ordinal) })).Subnet.SubnetId;
        var routeTableId = (await Ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [new Filter("vpc-id", [vpcId])] })).RouteTables[0].RouteTableId;
        return new Vpc(vpcId, subnetId, routeTableId);
    }

    /// <summary>The channel's endpoints by short service name, all with private DNS; <paramref name="skip"/> one left out.</summary>
    private async Task<Dictionary<string, VpcEndpoint>> ChannelEndpointsAsync(Vpc vpc, bool s3Gateway, string? skip = null)
    {
        var endpoints = new Dictionary<string, VpcEndpoint>(StringComparer.Ordinal);
        foreach (var service in new[] { "ssm", "ssmmessages", "ec2messages", "s3" }.Where(s => s != skip))
        {
            var type = service == "s3" && s3Gateway ? VpcEndpointType.Gateway : VpcEndpointType.Interface;
            endpoints[service] = await EndpointAsync(vpc, service, type, privateDns: true);
        }

        return endpoints;
    }

    private async Task<VpcEndpoint> EndpointAsync(Vpc vpc, string service, VpcEndpointType type, bool privateDns, bool fullName = false)
    {
        var gateway = type == VpcEndpointType.Gateway;
        return (await Ec2.CreateVpcEndpointAsync(new CreateVpcEndpointRequest
        {
            VpcId = vpc.VpcId,
            ServiceName = fullName ? service : $"com.amazonaws.{Region}.{service}",
            VpcEndpointType = type,
            SubnetIds = gateway ? null : [vpc.SubnetId],
            RouteTableIds = gateway ? [vpc.RouteTableId] : null,
            PrivateDnsEnabled = gateway ? null : privateDns,
        })).VpcEndpoint;
    }

    private async Task<(Vpc Vpc, ForensicChannel Channel)> ChannelAsync()
    {
        var vpc = await VpcAsync();
        await ChannelEndpointsAsync(vpc, s3Gateway: true);
        var lookup = await Adapter.FindForensicChannelAsync(Scope, vpc.VpcId, CancellationToken.None);
        return (vpc, lookup.Channel ?? throw new InvalidOperationException(lookup.Missing));
    }

    /// <summary>Every address of the endpoints' ENIs as EC2 describes them, as /32s, sorted.</summary>
    private async Task<List<string>> EniCidrsAsync(params VpcEndpoint[] endpoints)
    {
        var enis = (await Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [.. endpoints.SelectMany(e => e.NetworkInterfaceIds)] })).NetworkInterfaces;
        return [.. enis.SelectMany(n => n.PrivateIpAddresses.Select(a => a.PrivateIpAddress + "/32")).Distinct().Order(StringComparer.Ordinal)];
    }

    private async Task<string> S3PrefixListAsync() =>
        (await Ec2.DescribePrefixListsAsync(new DescribePrefixListsRequest { Filters = [new Filter("prefix-list-name", [$"com.amazonaws.{Region}.s3"])] })).PrefixLists.Single().PrefixListId;

    private async Task<List<SecurityGroup>> ForensicGroupsAsync() =>
        (await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("tag:" + QuarantineTags.GroupRole, ["forensic"])] })).SecurityGroups ?? [];

    /// <summary>The group's rules, one per range or prefix list, as "direction protocol from-to target", sorted.</summary>
    private async Task<List<string>> RulesAsync(string groupId)
    {
        var group = (await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [groupId] })).SecurityGroups.Single();
        return [.. new[] { (Direction: "ingress", Permissions: group.IpPermissions), (Direction: "egress", Permissions: group.IpPermissionsEgress) }
            .SelectMany(d => (d.Permissions ?? []).SelectMany(p => Targets(p).Select(t => $"{d.Direction} {p.IpProtocol} {p.FromPort}-{p.ToPort} {t}")))
            .Order(StringComparer.Ordinal)];

        static IEnumerable<string?> Targets(IpPermission p) =>
            (p.Ipv4Ranges ?? []).Select(r => r.CidrIp)
                .Concat((p.Ipv6Ranges ?? []).Select(r => r.CidrIpv6))
                .Concat((p.PrefixListIds ?? []).Select(l => l.Id))
                .Concat((p.UserIdGroupPairs ?? []).Select(g => g.GroupId));
    }

    private static List<string> Required(ForensicChannel channel) =>
        [.. channel.EndpointCidrs.Concat(channel.PrefixListIds).Select(t => $"egress tcp 443-443 {t}").Order(StringComparer.Ordinal)];

    private static IpPermission Tcp443(string ipv4) => new() { IpProtocol = "tcp", FromPort = 443, ToPort = 443, Ipv4Ranges = [new IpRange { CidrIp = ipv4 }] };
}
