using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment.Groups;

namespace ThreatResponse.Aws.Ec2;

/// <summary>The forensic channel: the VPC's Systems Manager and S3 endpoints, and the group that lets an isolated instance reach only them.</summary>
public sealed partial class Ec2InstanceContainment
{
    /// <summary>What the SSM agent talks to, each through an interface endpoint; in the order a report names them.</summary>
    private static readonly string[] SystemsManagerServices = ["ssm", "ssmmessages", "ec2messages"];

    public async Task<ForensicChannelLookup> FindForensicChannelAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);
        var endpoints = new List<VpcEndpoint>();
        string? next = null;
        do
        {
            var page = (await CallAsync(scope, "DescribeVpcEndpoints", () => ec2.DescribeVpcEndpointsAsync(new DescribeVpcEndpointsRequest
            {
                Filters = [new Filter("vpc-id", [vpcId]), new Filter("vpc-endpoint-state", ["available"])],
                NextToken = next,
            }, cancellationToken), cancellationToken))!;
            endpoints.AddRange((page.VpcEndpoints ?? []).Where(e => e.VpcId == vpcId));
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        // Exact service names: a look-alike (ssm-contacts, someone's vpce-svc) does not carry the agent's traffic. Without
        // private DNS the agent resolves the public endpoint, which isolation cuts off, so such an endpoint does not count.
        string Service(string name) => $"com.amazonaws.{scope.Region}.{name}";
        List<VpcEndpoint> Of(string name, string type, bool privateDns) =>
            [.. endpoints.Where(e => e.ServiceName == Service(name) && e.VpcEndpointType?.Value == type && (!privateDns || e.PrivateDnsEnabled == true))
                .OrderBy(e => e.VpcEndpointId, StringComparer.Ordinal)];

        var agent = SystemsManagerServices.Select(name => (Name: name, Endpoints: Of(name, "Interface", privateDns: true))).ToList();
        var s3Gateways = Of("s3", "Gateway", privateDns: false);
        var s3Interfaces = Of("s3", "Interface", privateDns: true);
        var missing = new List<string>();
        if (agent.Where(a => a.Endpoints.Count == 0).Select(a => a.Name).ToList() is { Count: > 0 } absent)
        {
            missing.Add($"no interface endpoint with private DNS for {string.Join(", ", absent)}");
        }

        if (s3Gateways.Count == 0 && s3Interfaces.Count == 0)
        {
            missing.Add("no S3 gateway or interface endpoint with private DNS");
        }

        if (missing.Count > 0)
        {
            return ForensicChannelLookup.None($"{string.Join("; ", missing)} in {vpcId}");
        }

        // The ENIs' own addresses, not the endpoints' groups: those are often the VPC's default group, and TCP 443 to a
        // group would reach every instance in it. By id, so that an ENI gone meanwhile fails the lookup instead of
        // leaving its service out of the channel.
        var interfaceEndpoints = agent.SelectMany(a => a.Endpoints).Concat(s3Interfaces).ToList();
        var prefixList = s3Gateways.Count == 0 ? Task.FromResult<string?>(null) : S3PrefixListAsync(scope, ec2, Service("s3"), cancellationToken);
        var interfaces = CallAsync(scope, "DescribeNetworkInterfaces", () => ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest
        {
            NetworkInterfaceIds = [.. interfaceEndpoints.SelectMany(e => e.NetworkInterfaceIds ?? []).Distinct(StringComparer.Ordinal)],
        }, cancellationToken), cancellationToken);
        await Task.WhenAll(prefixList, interfaces);

        var cidrs = ((await interfaces)!.NetworkInterfaces ?? [])
            .SelectMany(n => (n.PrivateIpAddresses ?? []).Select(a => a.PrivateIpAddress).Append(n.PrivateIpAddress)
                .Concat((n.Ipv6Addresses ?? []).Select(a => a.Ipv6Address)))
            .OfType<string>()
            .Select(HostCidr)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var prefixListId = await prefixList;
        var summary = agent.SelectMany(a => a.Endpoints.Select(e => $"{e.VpcEndpointId} ({a.Name})"))
            .Concat(s3Gateways.Select(e => $"{e.VpcEndpointId} (s3 gateway, {prefixListId})"))
            .Concat(s3Interfaces.Select(e => $"{e.VpcEndpointId} (s3 interface)"));
        // With an S3 interface endpoint (private DNS) the agent reaches S3 at its addresses, whatever the routes.
        var gatewayRouteTables = s3Interfaces.Count > 0 ? [] : s3Gateways.SelectMany(e => e.RouteTableIds ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        // Each endpoint the channel goes through, with its policy: Core refuses the window unless every one confines it.
        var policies = agent.SelectMany(a => a.Endpoints.Select(e => new ForensicEndpoint(e.VpcEndpointId, a.Name, e.PolicyDocument)))
            .Concat(s3Gateways.Concat(s3Interfaces).Select(e => new ForensicEndpoint(e.VpcEndpointId, "s3", e.PolicyDocument)))
            .ToList();
        return ForensicChannelLookup.Found(new ForensicChannel(vpcId, cidrs, prefixListId is null ? [] : [prefixListId], string.Join(", ", summary), gatewayRouteTables) { Endpoints = policies });
    }

    public async Task<string?> FindSubnetRouteTableAsync(AwsScope scope, string vpcId, string subnetId, CancellationToken cancellationToken)
    {
        var ec2 = clients.For(scope, findingKey);
        var associated = (await CallAsync(scope, "DescribeRouteTables", () => ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest
        {
            Filters = [new Filter("association.subnet-id", [subnetId])],
        }, cancellationToken), cancellationToken))!.RouteTables;
        if (associated?.FirstOrDefault(t => t.VpcId == vpcId) is { } table)
        {
            return table.RouteTableId;
        }

        // A subnet without an explicit association uses the VPC's main route table.
        var main = (await CallAsync(scope, "DescribeRouteTables", () => ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest
        {
            Filters = [new Filter("vpc-id", [vpcId]), new Filter("association.main", ["true"])],
        }, cancellationToken), cancellationToken))!.RouteTables;
        return main?.FirstOrDefault()?.RouteTableId;
    }

    public async Task<ForensicGroup?> EnsureForensicGroupAsync(AwsScope scope, ForensicChannel channel, string? recordedGroupId, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var ec2 = clients.For(scope, findingKey);
        var required = channel.EndpointCidrs.Select(c => new ForensicRule(c.Contains(':', StringComparison.Ordinal) ? ForensicTarget.Ipv6 : ForensicTarget.Ipv4, CanonicalCidr(c)))
            .Concat(channel.PrefixListIds.Select(id => new ForensicRule(ForensicTarget.PrefixList, id)))
            .ToHashSet();

        // Only the group the ledger recorded is ours: never one found by tag or name, whose rules we would rewrite.
        var group = recordedGroupId is null ? null : (await CallAsync(scope, "DescribeSecurityGroups", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new Filter("group-id", [recordedGroupId]), new Filter("vpc-id", [channel.VpcId])],
        }, cancellationToken), cancellationToken))!.SecurityGroups?.FirstOrDefault();

        string note;
        if (group is null)
        {
            var createdId = await CreateQuarantineGroupAsync(scope, channel.VpcId, QuarantineGroupRole.Forensic, dryRun, cancellationToken);
            if (createdId is null)
            {
                return null;
            }

            // EC2 gave it all egress to 0.0.0.0/0 (and ::/0 with an IPv6 VPC block): no describe needed before the
            // repair, each family revoked on its own.
            await Task.WhenAll(required.Select(r => Authorize(createdId, r)).Concat(
            [
                IgnoringAsync("InvalidPermission.NotFound", () => Revoke(createdId, ingress: false, AllTraffic(ipv4: true, ipv6: false))),
                IgnoringAsync("InvalidPermission.NotFound", () => Revoke(createdId, ingress: false, AllTraffic(ipv4: false, ipv6: true))),
            ]));
            return await VerifiedAsync(createdId, recordedGroupId is null ? "created" : $"created: the recorded {recordedGroupId} is gone");
        }
        else
        {
            note = "existing";
        }

        var groupId = group.GroupId;
        var egress = (group.IpPermissionsEgress ?? []).SelectMany(Single).Select(p => (Permission: p, Rule: ForensicRule.Of(p))).ToList();
        var revokes = (group.IpPermissions ?? []).SelectMany(Single).Select(p => (Ingress: true, Permission: p))
            .Concat(egress.Where(e => e.Rule is not { } rule || !required.Contains(rule)).Select(e => (Ingress: false, e.Permission)))
            .ToList();
        var present = egress.Select(e => e.Rule).OfType<ForensicRule>().ToHashSet();
        var authorizations = required.Where(r => !present.Contains(r)).ToList();
        if (revokes.Count == 0 && authorizations.Count == 0)
        {
            return new ForensicGroup(groupId, note);
        }

        if (dryRun)
        {
            return new ForensicGroup(groupId, "rules would be repaired");
        }

        // One permission per call: a call with several fails whole on one duplicate or one already gone.
        await Task.WhenAll(revokes.Select(r => Revoke(groupId, r.Ingress, r.Permission)).Concat(authorizations.Select(r => Authorize(groupId, r))));
        return await VerifiedAsync(groupId, note == "existing" ? "rules repaired" : note);

        async Task<ForensicGroup> VerifiedAsync(string id, string outcome)
        {
            var now = await DescribeGroupAsync(scope, ec2, id, cancellationToken);
            var rules = (now.IpPermissionsEgress ?? []).SelectMany(Single).Select(ForensicRule.Of).ToList();
            if ((now.IpPermissions ?? []).Count > 0 || rules.Any(r => r is null) || !required.SetEquals(rules.OfType<ForensicRule>()) || rules.Count != required.Count)
            {
                throw new AwsOperationException("EnsureForensicGroup", "ForensicGroupNotRepaired",
                    $"{id} still has other rules than TCP 443 out to the forensic channel's {required.Count} address(es) and prefix list(s) after repair; it is not used");
            }

            return new ForensicGroup(id, outcome);
        }

        Task Authorize(string id, ForensicRule rule) => IgnoringAsync("InvalidPermission.Duplicate", () =>
            CallAsync(scope, "AuthorizeSecurityGroupEgress", () => ec2.AuthorizeSecurityGroupEgressAsync(new AuthorizeSecurityGroupEgressRequest
            {
                GroupId = id,
                IpPermissions = [rule.ToPermission()],
            }, cancellationToken), cancellationToken));

        Task Revoke(string id, bool ingress, IpPermission permission) => ingress
            ? CallAsync(scope, "RevokeSecurityGroupIngress", () => ec2.RevokeSecurityGroupIngressAsync(new RevokeSecurityGroupIngressRequest { GroupId = id, IpPermissions = [permission] }, cancellationToken), cancellationToken)
            : CallAsync(scope, "RevokeSecurityGroupEgress", () => ec2.RevokeSecurityGroupEgressAsync(new RevokeSecurityGroupEgressRequest { GroupId = id, IpPermissions = [permission] }, cancellationToken), cancellationToken);
    }

    private async Task<string?> S3PrefixListAsync(AwsScope scope, IAmazonEC2 ec2, string serviceName, CancellationToken cancellationToken)
    {
        var found = await CallAsync(scope, "DescribePrefixLists", () => ec2.DescribePrefixListsAsync(new DescribePrefixListsRequest
        {
            Filters = [new Filter("prefix-list-name", [serviceName])],
        }, cancellationToken), cancellationToken);
        return (found!.PrefixLists ?? []).FirstOrDefault(p => p.PrefixListName == serviceName)?.PrefixListId
            ?? throw new AwsOperationException("DescribePrefixLists", "PrefixListNotFound", $"no prefix list named {serviceName}, which an S3 gateway endpoint routes to");
    }

    /// <summary>An address as the one-host CIDR the forensic group allows: /32 or /128, in EC2's canonical spelling.</summary>
    private static string HostCidr(string address) =>
        IPAddress.TryParse(address, out var ip) ? $"{ip}/{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}" : address;

    /// <summary>A CIDR in one spelling, so that the channel's and the group's IPv6 ranges compare equal however written.</summary>
    private static string CanonicalCidr(string cidr) => IPNetwork.TryParse(cidr, out var network) ? network.ToString() : cidr;

    private enum ForensicTarget
    {
        Ipv4,
        Ipv6,
        PrefixList,
    }

    /// <summary>One egress rule of the forensic group: TCP 443 to one address range or one prefix list.</summary>
    private readonly record struct ForensicRule(ForensicTarget Target, string Value)
    {
        /// <summary>The rule a single-target permission is, or null when it is none the forensic group may have.</summary>
        public static ForensicRule? Of(IpPermission single) => !IsTcp443(single) || (single.UserIdGroupPairs ?? []).Count > 0 ? null
            : single.Ipv4Ranges is [var v4] ? new ForensicRule(ForensicTarget.Ipv4, CanonicalCidr(v4.CidrIp))
            : single.Ipv6Ranges is [var v6] ? new ForensicRule(ForensicTarget.Ipv6, CanonicalCidr(v6.CidrIpv6))
            : single.PrefixListIds is [var prefixList] ? new ForensicRule(ForensicTarget.PrefixList, prefixList.Id)
            : null;

        public IpPermission ToPermission() => new()
        {
            IpProtocol = "tcp",
            FromPort = 443,
            ToPort = 443,
            Ipv4Ranges = Target == ForensicTarget.Ipv4 ? [new IpRange { CidrIp = Value }] : null,
            Ipv6Ranges = Target == ForensicTarget.Ipv6 ? [new Ipv6Range { CidrIpv6 = Value }] : null,
            PrefixListIds = Target == ForensicTarget.PrefixList ? [new PrefixListId { Id = Value }] : null,
        };
    }
}
