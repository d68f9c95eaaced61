using System.Collections.Concurrent;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.NetworkAcls;

/// <summary>
/// Deny entries for every private address and delegated prefix of an isolated instance, in the network ACLs of the other
/// subnets of its VPC — as many as an ACL has room for, the rest reported by address (see <see cref="CoverageOrder"/>).
/// Security groups cannot end a tracked connection (through a NAT gateway, a transit gateway, a load balancer, an
/// endpoint, ICMP); an ACL entry that blocks it does. An ACL matches an inbound entry against the source and an outbound
/// entry against the destination, so the entries take effect where the instance's traffic crosses into another subnet
/// (the NAT gateway's, the endpoint's, the attachment's), never inside its own subnet.
/// </summary>
internal sealed class NetworkAclStep(IInstanceContainment ec2, ContainmentOptions options, SharedNetworkAcls acls)
{
    /// <summary>Another response (another process) may take the numbers chosen: re-read and choose again, this many times.</summary>
    private const int Attempts = 4;

    private const ContainmentAction Isolate = ContainmentAction.Isolate;

    /// <summary>The lowest number EC2 allows for an entry.</summary>
    private const int FirstRuleNumber = 1;

    /// <summary>The ACLs of the instance's VPCs, read alongside the lookup (read only, so not a change), once per response and VPC.</summary>
    public async Task<NetworkAclView> DescribeAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        if (!options.DenyInNetworkAcls)
        {
            return new NetworkAclView([], null);
        }

        try
        {
            var scope = AwsScope.Of(context.Instance);
            var vpcs = context.Description.NetworkInterfaces.Select(n => n.VpcId).Distinct(StringComparer.Ordinal).ToList();
            var read = await Task.WhenAll(vpcs.Select(vpc => acls.ReadAsync(scope, vpc, () => ec2.DescribeNetworkAclsAsync(scope, vpc, cancellationToken))));
            return new NetworkAclView([.. read.SelectMany(a => a)], null);
        }
        catch (AwsOperationException e)
        {
            return new NetworkAclView([], e);
        }
    }

    /// <summary>Adds the entries (or finds them added by an earlier attempt); returns every entry of ours now in place.</summary>
    public async Task<IReadOnlyList<NetworkAclDenyEntry>> DenyAsync(InstanceContext context, NetworkAclView view, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (!options.DenyInNetworkAcls)
        {
            log.Skip(Isolate, StepName.NetworkAcl, null, "turned off (NETWORK_ACL_DENY=false, or the playbook rule's networkAcl: false): tracked flows (NAT gateway, endpoints, ICMP) are not cut");
            return [];
        }

        if (view.Error is { } error)
        {
            log.Fail(Isolate, StepName.NetworkAcl, null, $"{error.Message}; isolation stands, tracked flows are not cut", error.ErrorCode);
            return [];
        }

        var scope = AwsScope.Of(context.Instance);
        var interfaces = context.Description.NetworkInterfaces;
        var ownSubnets = interfaces.Select(n => n.SubnetId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var inPlace = new List<NetworkAclDenyEntry>();
        var work = new List<Task>();
        foreach (var acl in view.Acls)
        {
            var cidrs = CoverageOrder(interfaces.Where(n => n.VpcId == acl.VpcId));
            if (cidrs.Count == 0 || !acl.SubnetIds.Any(s => !ownSubnets.Contains(s)))
            {
                continue;
            }

            foreach (var egress in new[] { false, true })
            {
                work.Add(DenyInAsync(context, (acl, egress), cidrs, inPlace, cancellationToken));
            }
        }

        if (work.Count == 0)
        {
            log.Skip(Isolate, StepName.NetworkAcl, null, "no other subnet in the VPC: an ACL has no boundary to cut at");
        }

        await Task.WhenAll(work);
        lock (inPlace)
        {
            return [.. inPlace];
        }
    }

    /// <summary>
    /// One ACL, one direction: choose free numbers and add the entries. The instances of a response take turns on an
    /// ACL and choose from what it is known to hold (the reading plus what this response added); a response in another
    /// process may take a number first (EC2 answers <c>NetworkAclEntryAlreadyExists</c>), and then the ACL is read again
    /// and the numbers chosen again.
    /// </summary>
    private async Task DenyInAsync(
        InstanceContext context, (NetworkAclState Acl, bool Egress) side, IReadOnlyList<string> cidrs, List<NetworkAclDenyEntry> inPlace, CancellationToken cancellationToken)
    {
        var (acl, egress) = side;
        var scope = AwsScope.Of(context.Instance);
        var log = context.Log;
        var target = $"{acl.NetworkAclId} {(egress ? "outbound" : "inbound")}";
        using var turn = await acls.TakeAsync(acl.NetworkAclId, cancellationToken);
        var current = acls.Current(acl);
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 1)
            {
                current = await ec2.DescribeNetworkAclAsync(scope, acl.NetworkAclId, cancellationToken) ?? current;
                acls.Known(current);
            }

            var plan = Plan(current, egress, cidrs);
            if (plan.Missing.Count == 0)
            {
                if (plan.Present.Count > 0)
                {
                    log.Skip(Isolate, StepName.NetworkAcl, target, $"already denied: {string.Join(", ", plan.Present.Select(e => $"#{e.RuleNumber} {e.Cidr}"))}");
                }

                ReportUncovered(plan);
                Add(plan.Present);
                return;
            }

            var created = new List<NetworkAclDenyEntry>();
            AwsOperationException? failure = null;
            try
            {
                await Task.WhenAll(plan.Missing.Select(async entry =>
                {
                    await ec2.CreateNetworkAclDenyEntryAsync(scope, entry, context.DryRun, cancellationToken);
                    lock (created)
                    {
                        created.Add(entry);
                    }
                }));
            }
            catch (AwsOperationException e)
            {
                failure = e;
            }

            if (!context.DryRun)
            {
                acls.Added(current, created);
            }

            if (failure is { ErrorCode: "NetworkAclEntryAlreadyExists" } && attempt < Attempts)
            {
                // Those created before the clash are found in place on the next reading.
                continue;
            }

            Add(plan.Present);
            if (!context.DryRun)
            {
                Add(created);
            }

            var detail = $"deny {string.Join(", ", plan.Missing.Select(e => $"#{e.RuleNumber} {e.Cidr}"))}"
                + (plan.Present.Count > 0 ? $"; already denied {string.Join(", ", plan.Present.Select(e => $"#{e.RuleNumber} {e.Cidr}"))}" : "");
            if (failure is not null)
            {
                log.Fail(Isolate, StepName.NetworkAcl, target, $"{failure.Message} ({detail}, {created.Count} added); isolation stands", failure.ErrorCode);
            }
            else
            {
                log.Record(new StepResult(Isolate, StepName.NetworkAcl, target, context.DryRun ? StepOutcome.DryRun : StepOutcome.Succeeded, detail, null, 0));
            }

            ReportUncovered(plan);
            return;
        }

        // What did not fit is a failed step of its own, naming each address left out, next to the step that covered the
        // rest: the report shows both what is cut and what is not.
        void ReportUncovered(AclPlan plan)
        {
            if (plan.Uncovered.Count > 0)
            {
                log.Fail(Isolate, StepName.NetworkAcl, target,
                    $"not covered: {string.Join(", ", plan.Uncovered)} ({plan.Problem}); isolation stands, tracked flows of these addresses through this ACL's subnets are not cut",
                    "NetworkAclEntryLimitExceeded");
            }
        }

        void Add(IEnumerable<NetworkAclDenyEntry> entries)
        {
            lock (inPlace)
            {
                inPlace.AddRange(entries);
            }
        }
    }

    /// <summary>
    /// The instance's addresses in the order they get the ACL's room when it cannot hold them all:
    /// <list type="number">
    /// <item>Each ENI's primary address — its primary private IPv4, or its first IPv6 address on an IPv6-only ENI — and
    /// its first IPv6 address: the source the OS picks for each family by default, so the flows already tracked (the
    /// session the isolation is meant to end) almost certainly use them.</item>
    /// <item>Delegated prefixes (IPv4 <c>/28</c>, IPv6 <c>/80</c>): root on the instance can send from any address in them
    /// (EC2 routes the whole prefix to the ENI), and one entry covers 16 addresses, or 2^48.</item>
    /// <item>The other private addresses (secondary IPv4, further IPv6): usable too, but only when configured on purpose.</item>
    /// </list>
    /// Public and Elastic IPs get no entry: the internet gateway translates them, so inside the VPC — at every ACL
    /// boundary the instance's traffic crosses — its packets carry the private address; an entry for a public address
    /// would only take room the private ones need.
    /// </summary>
    internal static IReadOnlyList<string> CoverageOrder(IEnumerable<NetworkInterfaceState> interfaces)
    {
        var enis = interfaces.ToList();
        var primary = enis.SelectMany(n => n.Ipv4Addresses.Take(1).Select(Host4).Concat(n.Ipv6Addresses.Take(1).Select(Host6)));
        var prefixes = enis.SelectMany(n => n.Ipv4Prefixes.Concat(n.Ipv6Prefixes));
        var rest = enis.SelectMany(n => n.Ipv4Addresses.Skip(1).Select(Host4).Concat(n.Ipv6Addresses.Skip(1).Select(Host6)));
        return [.. primary.Concat(prefixes).Concat(rest).Distinct(StringComparer.Ordinal)];

        static string Host4(string address) => address + "/32";
        static string Host6(string address) => address + "/128";
    }

    /// <summary>
    /// Free numbers below the ACL's first allow entry in that direction, so the deny is evaluated first; never an
    /// existing entry's number. An earlier attempt's entries (deny, all protocols, the same CIDR, before any allow)
    /// count as in place. When the ACL has room (its quota, free numbers) for fewer than are missing, the first ones in
    /// <paramref name="cidrs"/>' order get it and the rest are <see cref="AclPlan.Uncovered"/>, with the reason.
    /// </summary>
    internal AclPlan Plan(NetworkAclState acl, bool egress, IReadOnlyList<string> cidrs)
    {
        var entries = acl.Entries.Where(e => e.Egress == egress).ToList();
        var firstAllow = entries.Where(e => e.Allow).Select(e => e.RuleNumber).DefaultIfEmpty(32767).Min();
        var present = new List<NetworkAclDenyEntry>();
        var missing = new List<string>();
        foreach (var cidr in cidrs)
        {
            var ours = entries.FirstOrDefault(e => !e.Allow && e.Protocol == "-1" && e.Cidr == cidr && e.RuleNumber < firstAllow);
            if (ours is null)
            {
                missing.Add(cidr);
            }
            else
            {
                present.Add(new NetworkAclDenyEntry(acl.NetworkAclId, ours.RuleNumber, egress, cidr));
            }
        }

        // The default entries (32767 for IPv4, 32768 for IPv6) do not count against the quota.
        var used = entries.Count(e => e.RuleNumber < 32767);
        var room = Math.Max(0, options.NetworkAclRuleQuota - used);
        var taken = entries.Select(e => e.RuleNumber).ToHashSet();
        var free = Enumerable.Range(FirstRuleNumber, Math.Max(0, firstAllow - FirstRuleNumber)).Where(n => !taken.Contains(n)).Take(Math.Min(room, missing.Count)).ToList();
        var planned = missing.Zip(free, (cidr, number) => new NetworkAclDenyEntry(acl.NetworkAclId, number, egress, cidr)).ToList();
        var uncovered = missing.Skip(planned.Count).ToList();
        string? problem = uncovered.Count == 0 ? null
            : room < missing.Count
                ? $"the ACL is full: {used} of its {options.NetworkAclRuleQuota} {(egress ? "outbound" : "inbound")} entries are used and {missing.Count} more are needed, {planned.Count} added (EC2's quota is 20 per direction, adjustable to 40; set NETWORK_ACL_RULE_QUOTA when raised)"
                : $"only {free.Count} free rule number(s) below the first allow entry #{firstAllow}, and {missing.Count} are needed";
        return new AclPlan(present, planned, uncovered, problem);
    }

    /// <param name="Present">Entries of ours already in place.</param>
    /// <param name="Missing">Entries to add, numbered.</param>
    /// <param name="Uncovered">CIDRs the ACL has no room for, and <paramref name="Problem"/> says why.</param>
    internal sealed record AclPlan(IReadOnlyList<NetworkAclDenyEntry> Present, IReadOnlyList<NetworkAclDenyEntry> Missing, IReadOnlyList<string> Uncovered, string? Problem);
}

/// <summary>
/// A response's knowledge of the network ACLs it works on: each VPC's ACLs read once, whatever the number of its
/// instances; one turn at a time on each ACL (two instances choosing free numbers from the same reading would choose
/// the same); and what each ACL holds now, the reading plus the entries this response added, so no re-reading is
/// needed between instances.
/// </summary>
internal sealed class SharedNetworkAcls
{
    private readonly ConcurrentDictionary<(AwsScope Scope, string VpcId), Lazy<Task<IReadOnlyList<NetworkAclState>>>> _reads = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NetworkAclState> _current = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<NetworkAclState>> ReadAsync(AwsScope scope, string vpcId, Func<Task<IReadOnlyList<NetworkAclState>>> read) =>
        _reads.GetOrAdd((scope, vpcId), _ => new Lazy<Task<IReadOnlyList<NetworkAclState>>>(read)).Value;

    public async Task<IDisposable> TakeAsync(string aclId, CancellationToken cancellationToken)
    {
        var turn = _turns.GetOrAdd(aclId, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken);
        return new Release(turn);
    }

    /// <summary>What the ACL holds as far as this response knows; call in the ACL's turn.</summary>
    public NetworkAclState Current(NetworkAclState read) => _current.GetValueOrDefault(read.NetworkAclId, read);

    /// <summary>A fresh reading of the ACL.</summary>
    public void Known(NetworkAclState acl) => _current[acl.NetworkAclId] = acl;

    /// <summary>The entries this response just added to <paramref name="basis"/>.</summary>
    public void Added(NetworkAclState basis, IEnumerable<NetworkAclDenyEntry> entries) =>
        _current[basis.NetworkAclId] = basis with
        {
            Entries = [.. basis.Entries, .. entries.Select(e => new NetworkAclEntryState(e.RuleNumber, e.Egress, Allow: false, "-1", e.Cidr))],
        };

    private sealed class Release(SemaphoreSlim turn) : IDisposable
    {
        public void Dispose() => turn.Release();
    }
}

/// <summary>The network ACLs of an instance's VPCs, or why they could not be read.</summary>
internal sealed record NetworkAclView(IReadOnlyList<NetworkAclState> Acls, AwsOperationException? Error);
