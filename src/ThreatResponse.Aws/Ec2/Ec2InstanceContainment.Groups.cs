using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;

namespace ThreatResponse.Aws.Ec2;

/// <summary>The quarantine security groups: found by tag, created per VPC, their rules made and kept exactly as their role requires.</summary>
public sealed partial class Ec2InstanceContainment
{
    public async Task<IReadOnlyList<QuarantineGroup>> FindQuarantineGroupsAsync(AwsScope scope, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);
        var groups = new List<QuarantineGroup>();
        string? next = null;
        do
        {
            var page = (await CallAsync(scope, "DescribeSecurityGroups", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                Filters = [new Filter("tag:" + QuarantineTags.GroupRole, [.. Enum.GetValues<QuarantineGroupRole>().Select(RoleTag)])],
                NextToken = next,
            }, cancellationToken), cancellationToken))!;
            groups.AddRange((page.SecurityGroups ?? []).Select(g => ToQuarantineGroup(g)).OfType<QuarantineGroup>());
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return groups;
    }

    public async Task<CreatedGroup?> CreateQuarantineGroupAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, bool dryRun, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);
        var name = GroupName(role);
        try
        {
            var created = await SendAsync(scope, "CreateSecurityGroup", dryRun, () => ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
            {
                GroupName = name,
                VpcId = vpcId,
                Description = role switch
                {
                    QuarantineGroupRole.Isolation => "ThreatResponse isolation: no rules, nothing in or out",
                    QuarantineGroupRole.Forensic => "ThreatResponse forensic: outbound TCP 443 to the VPC's Systems Manager and S3 endpoints only",
                    _ => "ThreatResponse conversion: all open, applied for one call before isolation to make flows untracked",
                },
                TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SecurityGroup, Tags = GroupTags(role) }],
                DryRun = dryRun,
            }, cancellationToken), cancellationToken);
            SdkCall.EnsureDryRunDidNotAct("CreateSecurityGroup", dryRun, created);
            return created?.GroupId is { } id ? new CreatedGroup(id, Adopted: false) : null;
        }
        catch (AwsOperationException e) when (e.ErrorCode == "InvalidGroup.Duplicate")
        {
            // Another response created it a moment ago, or anyone in the account did, with any rules: adopted, tagged so
            // it is found by tag next time, and its rules verified by the caller.
            var existing = (await CallAsync(scope, "DescribeSecurityGroups", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                Filters = [new Filter("vpc-id", [vpcId]), new Filter("group-name", [name])],
            }, cancellationToken), cancellationToken))!.SecurityGroups.Single();
            await CallAsync(scope, "CreateTags", () => ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [existing.GroupId], Tags = GroupTags(role) }, cancellationToken), cancellationToken);
            return new CreatedGroup(existing.GroupId, Adopted: true);
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

        // Adopted or changed: made exactly right, one permission per call (a call with several fails whole on one
        // duplicate), then checked.
        var group = await DescribeGroupAsync(scope, ec2, groupId, cancellationToken);
        var work = new List<Task>();
        foreach (var (ingress, permissions) in new[] { (true, group.IpPermissions ?? []), (false, group.IpPermissionsEgress ?? []) })
        {
            if (role == QuarantineGroupRole.Isolation)
            {
                work.AddRange(permissions.SelectMany(Single).Select(p => Revoke(ingress, p)));
                continue;
            }

            work.AddRange(permissions.Where(p => !IsAllTraffic(p)).SelectMany(Single).Select(p => Revoke(ingress, p)));
            if (!permissions.Any(p => IsAllTraffic(p) && (p.Ipv4Ranges ?? []).Any(r => r.CidrIp == "0.0.0.0/0")))
            {
                work.Add(Authorize(ingress, ipv6: false));
            }

            if (!permissions.Any(p => IsAllTraffic(p) && (p.Ipv6Ranges ?? []).Any(r => r.CidrIpv6 == "::/0")))
            {
                work.Add(Authorize(ingress, ipv6: true));
            }
        }

        await Task.WhenAll(work);
        if (work.Count > 0 && ToQuarantineGroup(await DescribeGroupAsync(scope, ec2, groupId, cancellationToken), role) is not { RulesAsRequired: true })
        {
            throw new AwsOperationException("SetQuarantineGroupRules", "QuarantineGroupNotRepaired",
                $"{groupId} still has other rules than a {(role == QuarantineGroupRole.Isolation ? "isolation group (none)" : "conversion group (all traffic in and out, 0.0.0.0/0 and ::/0)")} after repair; it is not used");
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

    private static QuarantineGroup? ToQuarantineGroup(SecurityGroup group, QuarantineGroupRole? knownRole = null)
    {
        var roleTag = group.Tags?.FirstOrDefault(t => t.Key == QuarantineTags.GroupRole)?.Value;
        QuarantineGroupRole? role = knownRole ?? roleTag switch
        {
            "conversion" => QuarantineGroupRole.Conversion,
            "isolation" => QuarantineGroupRole.Isolation,
            "forensic" => QuarantineGroupRole.Forensic,
            _ => null,
        };
        if (role is not { } r)
        {
            return null;
        }

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

    private static List<Tag> GroupTags(QuarantineGroupRole role) =>
    [
        new(QuarantineTags.GroupRole, RoleTag(role)),
        new(ManagedByTag, "ThreatResponse"),
        new("Name", GroupName(role)),
    ];
}
