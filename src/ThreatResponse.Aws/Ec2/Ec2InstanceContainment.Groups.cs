// Kept whole: the EC2 adapter's security-group calls: create, describe, repair by rule id, each mapped to and from the port's types.
using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// The quarantine security groups: described by the ids the ledger recorded (or, without a ledger, found by exact name),
/// created per VPC, their rules made and kept exactly as their role requires. Tags are written for people, never read.
/// </summary>
public sealed partial class Ec2InstanceContainment
{
    public async Task<IReadOnlyList<QuarantineGroup>> DescribeQuarantineGroupsAsync(AwsScope scope, IReadOnlyCollection<RecordedQuarantineGroup> recorded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.Count == 0)
        {
            return [];
        }

        // By filter, not by id: a recorded group someone deleted is then left out instead of failing the whole call.
        var ec2 = clients.For(scope, findingKey);
        var roles = recorded.GroupBy(r => r.GroupId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var groups = new List<QuarantineGroup>();
        string? next = null;
        do
        {
            var page = (await CallAsync(scope, "DescribeSecurityGroups", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                Filters = [new Filter("group-id", [.. roles.Keys])],
                NextToken = next,
            }, cancellationToken), cancellationToken))!;

            // The role is the record's, never the group's tags; a group in another VPC than recorded is not that VPC's.
            groups.AddRange((page.SecurityGroups ?? [])
                .Where(g => roles.TryGetValue(g.GroupId, out var r) && r.VpcId == g.VpcId)
                .Select(g => ToQuarantineGroup(g, roles[g.GroupId].Role)));
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return groups;
    }

    public async Task<IReadOnlyList<NamedQuarantineGroup>> FindQuarantineGroupsByNameAsync(AwsScope scope, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);
        var byName = Enum.GetValues<QuarantineGroupRole>().ToDictionary(GroupName, r => r, StringComparer.Ordinal);
        var found = (await CallAsync(scope, "DescribeSecurityGroups", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new Filter("group-name", [.. byName.Keys])],
        }, cancellationToken), cancellationToken))!.SecurityGroups ?? [];
        if (found.Count == 0)
        {
            return [];
        }

        // Who uses them: an ENI of no instance, or one also in a group not named as ours, is someone else's use (an
        // isolated ENI is in the isolation group alone, or with the forensic group while evidence is collected).
        var interfaces = new List<NetworkInterface>();
        string? next = null;
        do
        {
            var page = (await CallAsync(scope, "DescribeNetworkInterfaces", () => ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest
            {
                Filters = [new Filter("group-id", [.. found.Select(g => g.GroupId)])],
                NextToken = next,
            }, cancellationToken), cancellationToken))!;
            interfaces.AddRange(page.NetworkInterfaces ?? []);
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return [.. found.Select(g => new NamedQuarantineGroup(
            ToQuarantineGroup(g, byName[g.GroupName]),
            [.. interfaces.Where(n => (n.Groups ?? []).Any(x => x.GroupId == g.GroupId))
                .Where(n => n.Attachment?.InstanceId is null || (n.Groups ?? []).Any(x => !byName.ContainsKey(x.GroupName ?? string.Empty)))
                .Select(n => n.Attachment?.InstanceId ?? n.NetworkInterfaceId)
                .Distinct(StringComparer.Ordinal)]))];
    }

    public async Task<string?> CreateQuarantineGroupAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, bool dryRun, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);
        var name = GroupName(role);
        try
        {
            return await CreateAsync(name);
        }
        catch (AwsOperationException e) when (e.ErrorCode == "InvalidGroup.Duplicate")
        {
            // The name is taken (an earlier deployment, another response a moment ago, or anyone in the account): the
            // group of that name is never adopted, whoever made it. Ours is made under a name of its own and recorded.
            return await CreateAsync($"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        }

        async Task<string?> CreateAsync(string groupName)
        {
            var created = await SendAsync(scope, "CreateSecurityGroup", dryRun, () => ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
            {
                GroupName = groupName,
                VpcId = vpcId,
                Description = role switch
                {
                    QuarantineGroupRole.Isolation => "ThreatResponse isolation: no rules, nothing in or out",
                    QuarantineGroupRole.Forensic => "ThreatResponse forensic: outbound TCP 443 to the VPC's Systems Manager and S3 endpoints only",
                    _ => "ThreatResponse conversion: all open, applied for one call before isolation to make flows untracked",
                },
                TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SecurityGroup, Tags = GroupTags(role, groupName) }],
                DryRun = dryRun,
            }, cancellationToken), cancellationToken);
            SdkCall.EnsureDryRunDidNotAct("CreateSecurityGroup", dryRun, created);
            return created?.GroupId;
        }
    }

    public async Task SetQuarantineGroupRulesAsync(AwsScope scope, string groupId, QuarantineGroupRole role, bool freshlyCreated, CancellationToken cancellationToken)
    {
        // Anything but isolation would be made all open here: the forensic group's rules come from its channel.
        if (role == QuarantineGroupRole.Forensic)
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "the forensic group's rules are set by EnsureForensicGroupAsync");
        }

        var ec2 = clients.For(scope, findingKey);
        if (freshlyCreated)
        {
            // EC2 gives a new group all egress to 0.0.0.0/0, and to ::/0 too when the VPC has an IPv6 block: no describe
            // needed, each family added or revoked on its own (absent or present already is fine).
            await Task.WhenAll(role == QuarantineGroupRole.Conversion
                ? [Authorize(ingress: true, ipv6: false), Authorize(ingress: true, ipv6: true), Authorize(ingress: false, ipv6: true)]
                :
                [
                    IgnoringAsync("InvalidPermission.NotFound", () => Revoke(ingress: false, AllTraffic(ipv4: true, ipv6: false))),
                    IgnoringAsync("InvalidPermission.NotFound", () => Revoke(ingress: false, AllTraffic(ipv4: false, ipv6: true))),
                ]);
            return;
        }

        // Changed since it was made (or its creation was cut short): every rule that is not required is revoked by its
        // rule id — exactly the rules found, whatever their shape (a permission that merges both address families is
        // two rules) — the missing ones added, then the group checked.
        var rules = new List<SecurityGroupRule>();
        string? next = null;
        do
        {
            var page = (await CallAsync(scope, "DescribeSecurityGroupRules", () => ec2.DescribeSecurityGroupRulesAsync(new DescribeSecurityGroupRulesRequest
            {
                Filters = [new Filter("group-id", [groupId])],
                NextToken = next,
            }, cancellationToken), cancellationToken))!;
            rules.AddRange(page.SecurityGroupRules ?? []);
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        var unwanted = rules.Where(r => role == QuarantineGroupRole.Isolation || !IsAllOpenRule(r)).ToList();
        var work = new List<Task>();
        foreach (var ingress in new[] { true, false })
        {
            // One rule per call: a call naming a rule already gone (its creator revoking it at the same moment) fails
            // whole, so each is revoked on its own and a gone one is fine; the check below decides.
            foreach (var id in unwanted.Where(r => r.IsEgress != ingress).Select(r => r.SecurityGroupRuleId))
            {
                work.Add(IgnoringAsync("InvalidSecurityGroupRuleId.NotFound", () => ingress
                    ? CallAsync(scope, "RevokeSecurityGroupIngress", () => ec2.RevokeSecurityGroupIngressAsync(new RevokeSecurityGroupIngressRequest { GroupId = groupId, SecurityGroupRuleIds = [id] }, cancellationToken), cancellationToken)
                    : CallAsync(scope, "RevokeSecurityGroupEgress", () => ec2.RevokeSecurityGroupEgressAsync(new RevokeSecurityGroupEgressRequest { GroupId = groupId, SecurityGroupRuleIds = [id] }, cancellationToken), cancellationToken)));
            }

            if (role == QuarantineGroupRole.Conversion)
            {
                var kept = rules.Where(r => r.IsEgress != ingress && IsAllOpenRule(r)).ToList();
                if (!kept.Any(r => r.CidrIpv4 == "0.0.0.0/0"))
                {
                    work.Add(Authorize(ingress, ipv6: false));
                }

                if (!kept.Any(r => r.CidrIpv6 == "::/0"))
                {
                    work.Add(Authorize(ingress, ipv6: true));
                }
            }
        }

        await Task.WhenAll(work);
        // Checked whatever was done: "repaired" is said only of a group seen right afterwards.
        if (ToQuarantineGroup(await DescribeGroupAsync(scope, ec2, groupId, cancellationToken), role) is not { RulesAsRequired: true })
        {
            throw new AwsOperationException("SetQuarantineGroupRules", "QuarantineGroupNotRepaired",
                $"{groupId} still has other rules than a {(role == QuarantineGroupRole.Isolation ? "isolation group (none)" : "conversion group (all traffic in and out, 0.0.0.0/0 and ::/0)")} after repair");
        }

        Task Authorize(bool ingress, bool ipv6)
        {
            var permission = AllTraffic(ipv4: !ipv6, ipv6: ipv6);
            return IgnoringAsync("InvalidPermission.Duplicate", () => ingress
                ? CallAsync(scope, "AuthorizeSecurityGroupIngress", () => ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest { GroupId = groupId, IpPermissions = [permission] }, cancellationToken), cancellationToken)
                : CallAsync(scope, "AuthorizeSecurityGroupEgress", () => ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest { GroupId = groupId, IpPermissions = [permission] }, cancellationToken), cancellationToken));
        }

        Task Revoke(bool ingress, IpPermission permission) => ingress
            ? CallAsync(scope, "RevokeSecurityGroupIngress", () => ec2.RevokeSecurityGroupIngressAsync(new RevokeSecurityGroupIngressRequest { GroupId = groupId, IpPermissions = [permission] }, cancellationToken), cancellationToken)
            : CallAsync(scope, "RevokeSecurityGroupEgress", () => ec2.RevokeSecurityGroupEgressAsync(new RevokeSecurityGroupEgressRequest { GroupId = groupId, IpPermissions = [permission] }, cancellationToken), cancellationToken);
    }

    /// <summary>One rule of all protocols to or from everywhere, in one address family: a conversion group's rule.</summary>
    private static bool IsAllOpenRule(SecurityGroupRule rule) =>
        rule.IpProtocol == "-1" && rule.ReferencedGroupInfo is null && string.IsNullOrEmpty(rule.PrefixListId)
        && (rule.CidrIpv4 == "0.0.0.0/0" || rule.CidrIpv6 == "::/0");

    public async Task<IReadOnlyDictionary<string, string>> FindSecurityGroupVpcsAsync(AwsScope scope, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupIds);
        if (groupIds.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        // By filter, not by id: an id that does not exist is then left out instead of failing the whole call.
        var ec2 = clients.For(scope, findingKey);
        var found = await CallAsync(scope, "DescribeSecurityGroups", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new Filter("group-id", [.. groupIds])],
        }, cancellationToken), cancellationToken);
        return (found!.SecurityGroups ?? []).ToDictionary(g => g.GroupId, g => g.VpcId, StringComparer.Ordinal);
    }

    private async Task<SecurityGroup> DescribeGroupAsync(AwsScope scope, IAmazonEC2 ec2, string groupId, CancellationToken cancellationToken) =>
        (await CallAsync(scope, "DescribeSecurityGroups", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [groupId] }, cancellationToken), cancellationToken))!.SecurityGroups.Single();

    /// <summary>
    /// A described permission split into one per range, group pair or prefix list: revoked one by one, nothing can be
    /// left behind (moto 5.2 revokes only the IPv4 ranges of a permission that holds both families).
    /// </summary>
    private static IEnumerable<IpPermission> Single(IpPermission p)
    {
        IpPermission Base() => new() { IpProtocol = p.IpProtocol, FromPort = p.FromPort, ToPort = p.ToPort };
        foreach (var range in p.Ipv4Ranges ?? [])
        {
            var one = Base();
            one.Ipv4Ranges = [range];
            yield return one;
        }

        foreach (var range in p.Ipv6Ranges ?? [])
        {
            var one = Base();
            one.Ipv6Ranges = [range];
            yield return one;
        }

        foreach (var pair in p.UserIdGroupPairs ?? [])
        {
            var one = Base();
            one.UserIdGroupPairs = [pair];
            yield return one;
        }

        foreach (var prefixList in p.PrefixListIds ?? [])
        {
            var one = Base();
            one.PrefixListIds = [prefixList];
            yield return one;
        }
    }

    private static bool IsAllTraffic(IpPermission p) =>
        p.IpProtocol == "-1" && (p.UserIdGroupPairs ?? []).Count == 0 && (p.PrefixListIds ?? []).Count == 0
        && (p.Ipv4Ranges ?? []).All(r => r.CidrIp == "0.0.0.0/0") && (p.Ipv6Ranges ?? []).All(r => r.CidrIpv6 == "::/0");

    /// <summary>The group with whether its rules are what <paramref name="r"/> requires; the role is always the caller's (a record, or the exact name), never a tag.</summary>
    private static QuarantineGroup ToQuarantineGroup(SecurityGroup group, QuarantineGroupRole r)
    {
        var ingress = group.IpPermissions ?? [];
        var egress = group.IpPermissionsEgress ?? [];
        var asRequired = r switch
        {
            QuarantineGroupRole.Isolation => ingress.Count == 0 && egress.Count == 0,

            // The shape only (TCP 443 to addresses, never to a group): which addresses is the channel's, made exact by
            // EnsureForensicGroupAsync.
            QuarantineGroupRole.Forensic => ingress.Count == 0 && egress.All(p => IsTcp443(p) && (p.UserIdGroupPairs ?? []).Count == 0),
            _ => IsAllOpen(ingress) && IsAllOpen(egress),
        };
        return new QuarantineGroup(group.GroupId, group.VpcId, r, asRequired);
    }

    /// <summary>All protocols to and from 0.0.0.0/0 and ::/0: what makes flows untracked.</summary>
    private static bool IsAllOpen(List<IpPermission> permissions) =>
        permissions.All(IsAllTraffic)
        && permissions.Any(p => (p.Ipv4Ranges ?? []).Any(r => r.CidrIp == "0.0.0.0/0"))
        && permissions.Any(p => (p.Ipv6Ranges ?? []).Any(r => r.CidrIpv6 == "::/0"));

    private static bool IsTcp443(IpPermission p) => p.IpProtocol is "tcp" or "6" && p.FromPort == 443 && p.ToPort == 443;

    private static IpPermission AllTraffic(bool ipv4, bool ipv6) => new()
    {
        IpProtocol = "-1",
        Ipv4Ranges = ipv4 ? [new IpRange { CidrIp = "0.0.0.0/0" }] : null,
        Ipv6Ranges = ipv6 ? [new Ipv6Range { CidrIpv6 = "::/0" }] : null,
    };

    private static string GroupName(QuarantineGroupRole role) => "threat-response-" + RoleTag(role);

    private static string RoleTag(QuarantineGroupRole role) => role switch
    {
        QuarantineGroupRole.Isolation => "isolation",
        QuarantineGroupRole.Forensic => "forensic",
        _ => "conversion",
    };

    /// <summary>For people reading the console: never read back (the ledger's record says which groups are ours).</summary>
    private static List<Tag> GroupTags(QuarantineGroupRole role, string name) =>
    [
        new(QuarantineTags.GroupRole, RoleTag(role)),
        new(ManagedByTag, "ThreatResponse"),
        new("Name", name),
    ];
}
