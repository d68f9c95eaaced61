using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using static ThreatResponse.Aws.Tests.Ec2.Ec2World;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Aws.Tests.Ec2;

/// <summary>
/// Against moto_server: network ACL deny entries for every address and delegated prefix of every ENI (as many as fit,
/// the rest reported by address), removed exactly by release,
/// a full ACL, and quarantine groups someone else created. Assertions read EC2's resulting state.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class NetworkAclOnEc2Tests(MotoServerFixture moto) : MotoTest(moto), IDisposable
{
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/acl";
    private AmazonEC2Client? _ec2;

    private AmazonEC2Client Ec2 => _ec2 ??= Moto.CreateEc2Client();

    public void Dispose() => _ec2?.Dispose();

    [Fact]
    public async Task IsolateThenRelease_EveryAddressOfEveryEni_DeniedBothWaysBelowTheAllowsAndRemovedExactly()
    {
        var (scene, acl) = await DualStackSceneAsync();
        var addresses = await AddressesAsync(scene);
        Assert.Equal(4, addresses.Count);
        await Ec2.CreateNetworkAclEntryAsync(new CreateNetworkAclEntryRequest
        {
            NetworkAclId = acl, RuleNumber = 1, Egress = false, Protocol = "6", RuleAction = RuleAction.Deny, CidrBlock = "198.51.100.0/24", PortRange = new PortRange { From = 22, To = 22 },
        });
        var before = await EntriesAsync(acl);

        var isolated = await Engine().RunAsync(Request(scene, ContainmentAction.Isolate), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, isolated.Outcome);
        var isolation = Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation"), g => g.VpcId == scene.VpcId);
        Assert.Empty(isolation.IpPermissions ?? []);
        Assert.Empty(isolation.IpPermissionsEgress ?? []);
        var added = (await EntriesAsync(acl)).Except(before).ToList();
        foreach (var egress in new[] { false, true })
        {
            var ours = added.Where(e => e.Egress == egress).ToList();
            Assert.Equal(addresses.Order(), ours.Select(e => e.Cidr).Order());
            Assert.All(ours, e => Assert.Equal(("deny", "-1"), (e.Action, e.Protocol)));
            Assert.All(ours, e => Assert.InRange(e.Number, egress ? 1 : 2, 99));
        }

        Assert.Equal(8, added.Count);
        Assert.Superset(before.ToHashSet(), (await EntriesAsync(acl)).ToHashSet());

        var released = await Engine().RunAsync(Request(scene, ContainmentAction.Release), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(before.Order(), (await EntriesAsync(acl)).Order());
    }

    [Fact]
    public async Task IsolateThenRelease_AclWithRoomForOne_PrimaryAddressCoveredRestReportedByAddressAndRemovedExactly()
    {
        var (scene, acl) = await DualStackSceneAsync();
        // With the default allow-all entry #100, 19 of the 20 inbound entries are used.
        for (var n = 101; n <= 118; n++)
        {
            await Ec2.CreateNetworkAclEntryAsync(new CreateNetworkAclEntryRequest
            {
                NetworkAclId = acl, RuleNumber = n, Egress = false, Protocol = "6", RuleAction = RuleAction.Allow, CidrBlock = $"10.99.{n}.0/24", PortRange = new PortRange { From = 443, To = 443 },
            });
        }

        var before = await EntriesAsync(acl);
        var instance = await InstanceAsync(Ec2, scene.InstanceId);
        var primaryEni = instance.NetworkInterfaces.Single(n => n.NetworkInterfaceId == scene.PrimaryEniId);
        var primaryAddress = primaryEni.PrivateIpAddresses.Single(a => a.Primary == true).PrivateIpAddress + "/32";
        var others = (await AddressesAsync(scene)).Where(a => a != primaryAddress).ToList();
        Assert.Equal(3, others.Count);

        var report = await Engine().RunAsync(Request(scene, ContainmentAction.Isolate), CancellationToken.None);

        // As many as fit: the quota (20) leaves room for one inbound entry, and it goes to the primary ENI's primary address.
        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var added = (await EntriesAsync(acl)).Except(before).ToList();
        Assert.Equal([primaryAddress], added.Where(e => !e.Egress).Select(e => e.Cidr));
        Assert.Equal(others.Append(primaryAddress).Order(), added.Where(e => e.Egress).Select(e => e.Cidr).Order());
        Assert.All(added, e => Assert.Equal(("deny", "-1"), (e.Action, e.Protocol)));
        Assert.Equal(20, (await EntriesAsync(acl)).Count(e => !e.Egress && e.Number < 32767));

        // The rest is reported by address, in a failed step of its own beside the step that covered what fit.
        var steps = report.Instances[0].Steps.Where(s => s.Step == "network-acl" && s.Target == $"{acl} inbound").ToList();
        Assert.Equal([StepOutcome.Succeeded, StepOutcome.Failed], steps.Select(s => s.Outcome));
        Assert.Contains(primaryAddress, steps[0].Detail, StringComparison.Ordinal);
        var uncovered = steps[1];
        Assert.Equal("NetworkAclEntryLimitExceeded", uncovered.ErrorCode);
        Assert.Contains("the ACL is full", uncovered.Detail, StringComparison.Ordinal);
        Assert.All(others, a => Assert.Contains(a, uncovered.Detail, StringComparison.Ordinal));
        Assert.DoesNotContain(primaryAddress, uncovered.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Instances[0].Steps, s => s.Target == $"{acl} outbound" && s.Outcome == StepOutcome.Failed);

        var isolation = Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation")).GroupId;
        Assert.Equal([isolation], await GroupsOfAsync(Ec2, scene.PrimaryEniId));
        Assert.Equal([isolation], await GroupsOfAsync(Ec2, scene.SecondaryEniId));

        var released = await Engine().RunAsync(Request(scene, ContainmentAction.Release), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(before.Order(), (await EntriesAsync(acl)).Order());
    }

    [Fact]
    public async Task Isolate_AclFilledByOtherIsolations_NoneAddedEveryAddressReportedAndIsolationStands()
    {
        var (scene, acl) = await DualStackSceneAsync();
        // Other isolations' deny entries and the default allow-all entry #100: all 20 inbound entries used.
        for (var n = 1; n <= 19; n++)
        {
            await Ec2.CreateNetworkAclEntryAsync(new CreateNetworkAclEntryRequest
            {
                NetworkAclId = acl, RuleNumber = n, Egress = false, Protocol = "-1", RuleAction = RuleAction.Deny, CidrBlock = $"10.30.0.{n}/32",
            });
        }

        var before = await EntriesAsync(acl);

        var report = await Engine().RunAsync(Request(scene, ContainmentAction.Isolate), CancellationToken.None);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var full = Assert.Single(report.Instances[0].Steps, s => s.Outcome == StepOutcome.Failed);
        Assert.Equal(("network-acl", $"{acl} inbound", "NetworkAclEntryLimitExceeded"), (full.Step, full.Target, full.ErrorCode));
        Assert.All(await AddressesAsync(scene), a => Assert.Contains(a, full.Detail, StringComparison.Ordinal));
        Assert.Equal(before.Where(e => !e.Egress).Order(), (await EntriesAsync(acl)).Where(e => !e.Egress).Order());
        Assert.Equal(4, (await EntriesAsync(acl)).Count(e => e.Egress && e.Action == "deny" && e.Number < 100));
        var isolation = Assert.Single(await QuarantineGroupsAsync(Ec2, "isolation")).GroupId;
        Assert.Equal([isolation], await GroupsOfAsync(Ec2, scene.PrimaryEniId));
        Assert.Equal([isolation], await GroupsOfAsync(Ec2, scene.SecondaryEniId));
    }

    [Fact]
    public async Task IsolateThenRelease_EniWithDelegatedPrefixes_EachPrefixDeniedAsOneCidrEntryAndRemovedExactly()
    {
        // moto 5.2 has no delegated prefixes (AssignPrivateIpAddresses' Ipv4Prefixes is ignored, DescribeInstances has
        // no prefix sets), so the secondary ENI's prefixes are added to moto's DescribeInstances answer, under the wire
        // names EC2's model gives them; everything else — the ACL, its entries, release — is moto's.
        var (scene, acl) = await DualStackSceneAsync();
        var vpc = (await Ec2.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = [scene.VpcId] })).Vpcs[0];
        var v6 = vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock;
        var ipv4Prefix = "10.30.1.192/28";
        var ipv6Prefix = v6[..v6.IndexOf("::", StringComparison.Ordinal)] + ":7a00::/80";
        var prefixes = new DelegatedPrefixes(scene.SecondaryEniId, ipv4Prefix, ipv6Prefix);
        using var client = Moto.CreateEc2Client(http: prefixes);
        var before = await EntriesAsync(acl);
        var addresses = await AddressesAsync(scene);

        var isolated = await Engine(client).RunAsync(Request(scene, ContainmentAction.Isolate), CancellationToken.None);

        Assert.True(prefixes.Rewritten > 0, "the DescribeInstances answer was not given the prefixes");
        Assert.Equal(StepOutcome.Succeeded, isolated.Outcome);
        var added = (await EntriesAsync(acl)).Except(before).ToList();
        foreach (var egress in new[] { false, true })
        {
            Assert.Equal(addresses.Append(ipv4Prefix).Append(ipv6Prefix).Order(), added.Where(e => e.Egress == egress).Select(e => e.Cidr).Order());
        }

        Assert.All(added, e => Assert.Equal(("deny", "-1"), (e.Action, e.Protocol)));

        var released = await Engine(client).RunAsync(Request(scene, ContainmentAction.Release), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(before.Order(), (await EntriesAsync(acl)).Order());
    }

    [Fact]
    public async Task Isolate_GroupsPlantedUnderOurNames_LeftAsTheyAreAndOursCreatedWithBothFamilies()
    {
        // Dual-stack: moto 5.2 silently ignores IPv6 ranges in a revoke when the VPC has no IPv6 block (AWS does not), and
        // the verification after repair then rightly refuses the group.
        var (scene, _) = await DualStackSceneAsync();
        var planted = (await Ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "threat-response-isolation", Description = "looks right", VpcId = scene.VpcId })).GroupId;
        await Ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = planted,
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 4444, ToPort = 4444, Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] }],
        });
        await Ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest
        {
            GroupId = planted,
            IpPermissions = [new IpPermission { IpProtocol = "udp", FromPort = 53, ToPort = 53, Ipv6Ranges = [new Ipv6Range { CidrIpv6 = "2001:db8::/32" }] }],
        });

        // In a dual-stack VPC a new group also allows all IPv6 egress, as in EC2: the planted group has both families open.
        var plantedEgress = (await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [planted] })).SecurityGroups[0].IpPermissionsEgress;
        Assert.Contains(plantedEgress, p => (p.Ipv6Ranges ?? []).Any(r => r.CidrIpv6 == "::/0"));
        var conversion = (await Ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "threat-response-conversion", Description = "half open", VpcId = scene.VpcId })).GroupId;
        await Ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = conversion,
            IpPermissions = [new IpPermission { IpProtocol = "-1", Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] }],
        });

        var report = await Engine().RunAsync(Request(scene, ContainmentAction.Isolate), CancellationToken.None);

        Assert.True(report.Outcome == StepOutcome.Succeeded, string.Join(" | ", report.Instances[0].Steps.Where(s => s.Outcome == StepOutcome.Failed).Select(s => $"{s.Step} {s.ErrorCode} {s.Detail}")));
        // Without a ledger nothing proves a group ours: one of our name is used only as it is, and these are not.
        Assert.Contains(report.Instances[0].Steps, s => s.Step == "quarantine-groups" && s.Detail!.Contains($"{planted} has our name but other rules: not used", StringComparison.Ordinal));
        var untouched = (await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [planted] })).SecurityGroups[0];
        Assert.Contains(untouched.IpPermissions, p => p.FromPort == 4444);
        Assert.Contains(untouched.IpPermissionsEgress, p => (p.Ipv6Ranges ?? []).Any(r => r.CidrIpv6 == "::/0"));
        var isolationId = Assert.Single(await GroupsOfAsync(Ec2, scene.PrimaryEniId));
        Assert.NotEqual(planted, isolationId);
        var isolation = (await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [isolationId] })).SecurityGroups[0];
        Assert.Empty(isolation.IpPermissions ?? []);
        Assert.Empty(isolation.IpPermissionsEgress ?? []);
        var conversionId = Assert.Single(report.Instances[0].Steps, s => s.Step == "conversion-group" && s.Target == scene.PrimaryEniId).Detail!.Split("-> ")[1];
        Assert.NotEqual(conversion, conversionId);
        var converted = (await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [conversionId] })).SecurityGroups[0];
        foreach (var permissions in new[] { converted.IpPermissions, converted.IpPermissionsEgress })
        {
            Assert.Contains(permissions, p => p.IpProtocol == "-1" && (p.Ipv4Ranges ?? []).Any(r => r.CidrIp == "0.0.0.0/0"));
            Assert.Contains(permissions, p => p.IpProtocol == "-1" && (p.Ipv6Ranges ?? []).Any(r => r.CidrIpv6 == "::/0"));
        }

        // The half-open group of our name is left half open: no IPv6 ingress added to it.
        Assert.DoesNotContain((await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [conversion] })).SecurityGroups[0].IpPermissions ?? [],
            p => (p.Ipv6Ranges ?? []).Count > 0);
    }

    [Fact]
    public async Task Isolate_DryRun_AclEntriesAskedWithDryRunAndAnEndpointThatActsIsReportedNotHonoured()
    {
        // EC2 answers a DryRun CreateNetworkAclEntry with DryRunOperation; moto 5.2 creates the entry. The adapter must
        // never call that a dry run, and the request must carry DryRun as EC2's model defines it.
        var (scene, acl) = await DualStackSceneAsync();
        Assert.Contains("DryRun", BotocoreModel.Load("ec2").InputOf("CreateNetworkAclEntry").Members);
        Assert.Contains("DryRun", BotocoreModel.Load("ec2").InputOf("DeleteNetworkAclEntry").Members);

        var report = await Engine().RunAsync(Request(scene, ContainmentAction.Isolate, dryRun: true), CancellationToken.None);

        var steps = report.Instances[0].Steps.Where(s => s.Step == "network-acl").ToList();
        Assert.NotEmpty(steps);
        Assert.All(steps, s => Assert.Equal(("DryRunNotHonoured", StepOutcome.Failed), (s.ErrorCode, s.Outcome)));
        Assert.NotEqual(StepOutcome.DryRun, report.Outcome);
        _ = acl;
    }

    /// <summary>The scene in a dual-stack VPC with a second subnet sharing the default ACL; an IPv4 and an IPv6 address added to the second ENI.</summary>
    private async Task<(DemoScene Scene, string AclId)> DualStackSceneAsync()
    {
        var vpc = (await Ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.30.0.0/16", AmazonProvidedIpv6CidrBlock = true })).Vpc;
        var v6 = vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock;
        var prefix = v6[..v6.IndexOf("::", StringComparison.Ordinal)];
        var subnet = (await Ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.30.1.0/24", Ipv6CidrBlock = prefix + "::/64" })).Subnet.SubnetId;
        await Ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.30.0.0/24" });
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2, vpcId: vpc.VpcId, subnetId: subnet);
        // The secondary address named, unused in the subnet (its VPC is this test's): moto draws one at random without
        // checking, and an address two ENIs shared would be denied once, not twice.
        var used = (await AddressesAsync(scene)).ToHashSet(StringComparer.Ordinal);
        var secondary = Enumerable.Range(10, 240).Select(n => $"10.30.1.{n}").First(a => !used.Contains(a + "/32"));
        await Ec2.AssignPrivateIpAddressesAsync(new AssignPrivateIpAddressesRequest { NetworkInterfaceId = scene.SecondaryEniId, PrivateIpAddresses = [secondary] });
        await Ec2.AssignIpv6AddressesAsync(new AssignIpv6AddressesRequest { NetworkInterfaceId = scene.SecondaryEniId, Ipv6AddressCount = 1 });
        var acl = (await Ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { Filters = [new Filter("vpc-id", [vpc.VpcId])] })).NetworkAcls.Single();
        return (scene, acl.NetworkAclId);
    }

    private async Task<List<string>> AddressesAsync(DemoScene scene)
    {
        var instance = await InstanceAsync(Ec2, scene.InstanceId);
        return [.. instance.NetworkInterfaces.SelectMany(n =>
            n.PrivateIpAddresses.Select(a => a.PrivateIpAddress + "/32").Concat((n.Ipv6Addresses ?? []).Select(a => a.Ipv6Address + "/128")))];
    }

    private async Task<List<(int Number, bool Egress, string Action, string Protocol, string Cidr)>> EntriesAsync(string aclId) =>
        [.. (await Ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { NetworkAclIds = [aclId] })).NetworkAcls[0].Entries
            .Select(e => (e.RuleNumber ?? 0, e.Egress ?? false, e.RuleAction.Value, e.Protocol, e.CidrBlock ?? e.Ipv6CidrBlock))];

    private ContainmentEngine Engine(IAmazonEC2? ec2 = null) =>
        new(new Ec2InstanceContainment(new Ec2ClientProvider(_ => ec2 ?? Ec2)), new ContainmentOptions(), TimeProvider.System);

    /// <summary>
    /// Gives one ENI delegated prefixes in moto's DescribeInstances answers, as EC2 reports them: the
    /// <c>InstanceNetworkInterface</c> members <c>Ipv4Prefixes</c> and <c>Ipv6Prefixes</c>, element names from EC2's model.
    /// </summary>
    private sealed class DelegatedPrefixes(string eniId, string ipv4Prefix, string ipv6Prefix) : Amazon.Runtime.HttpClientFactory
    {
        private readonly string _eniId = eniId;
        private int _rewritten;

        public int Rewritten => _rewritten;

        public override HttpClient CreateHttpClient(Amazon.Runtime.IClientConfig clientConfig) => new(new Handler(this) { InnerHandler = new SocketsHttpHandler() });

        public override bool UseSDKHttpClientCaching(Amazon.Runtime.IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(Amazon.Runtime.IClientConfig clientConfig) => false;

        private string Sets()
        {
            var model = BotocoreModel.Load("ec2");
            string Set(string member, string value)
            {
                var list = model.ShapeOf("InstanceNetworkInterface", member);
                var item = model.ShapeOf(list);
                var field = model.WireNameOf(item, member[..^2]);
                return $"<{model.WireNameOf("InstanceNetworkInterface", member)}><item><{field}>{value}</{field}></item></{model.WireNameOf("InstanceNetworkInterface", member)}>";
            }

            return Set("Ipv4Prefixes", ipv4Prefix) + Set("Ipv6Prefixes", ipv6Prefix);
        }

        private sealed class Handler(DelegatedPrefixes owner) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
                var response = await base.SendAsync(request, cancellationToken);
                if (!body.Contains("Action=DescribeInstances&", StringComparison.Ordinal))
                {
                    return response;
                }

                var xml = await response.Content.ReadAsStringAsync(cancellationToken);
                var anchor = $"<networkInterfaceId>{owner._eniId}</networkInterfaceId>";
                if (xml.Contains(anchor, StringComparison.Ordinal))
                {
                    xml = xml.Replace(anchor, anchor + owner.Sets(), StringComparison.Ordinal);
                    Interlocked.Increment(ref owner._rewritten);
                }

                response.Content = new StringContent(xml, System.Text.Encoding.UTF8, "text/xml");
                return response;
            }
        }
    }

    private static ContainmentRequest Request(DemoScene scene, ContainmentAction action, bool dryRun = false) =>
        new(FindingId, [new InstanceReference(InstanceId.Parse(scene.InstanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion)], [action], dryRun);
}
