using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>One call the fake received: the interface method without <c>Async</c>, what it targeted, and a short detail.</summary>
/// <param name="target">Instance id, ENI id, VPC id or group id.</param>
/// <param name="detail">Group ids (comma-separated) for group changes, tag keys (sorted, comma-separated) for tag changes, else empty.</param>
/// <param name="started">When the call was made, on the fake's clock (one tick per call made or returned).</param>
internal sealed class FakeCall(string operation, string target, string detail, bool dryRun, int started)
{
    public string Operation { get; } = operation;

    public string Target { get; } = target;

    public string Detail { get; } = detail;

    public bool DryRun { get; } = dryRun;

    public int Started { get; } = started;

    /// <summary>When the call returned or threw, on the same clock; null while in flight.</summary>
    public int? Ended { get; set; }

    public override string ToString() => $"{Operation} {Target} {Detail} [{Started}..{Ended}]";
}

internal sealed class FakeNetworkInterface(string id, string vpcId, IEnumerable<string> groupIds)
{
    public string Id { get; } = id;

    public string VpcId { get; } = vpcId;

    public List<string> GroupIds { get; set; } = [.. groupIds];

    public ConnectionTrackingState Tracking { get; set; } = ConnectionTrackingState.Default;

    public bool MinimumConnectionTracking => Tracking == ConnectionTrackingState.Minimum;

    public string SubnetId { get; set; } = "subnet-1";

    public List<string> Ipv4Addresses { get; } = [];
}

internal sealed class FakeNetworkAcl(string id, string vpcId, params string[] subnetIds)
{
    public string Id { get; } = id;

    public string VpcId { get; } = vpcId;

    public List<string> SubnetIds { get; } = [.. subnetIds];

    /// <summary>Starts with EC2's defaults: allow all at 100 and deny all at 32767, each way.</summary>
    public List<NetworkAclEntryState> Entries { get; } =
    [
        new(100, false, true, "-1", "0.0.0.0/0"), new(32767, false, false, "-1", "0.0.0.0/0"),
        new(100, true, true, "-1", "0.0.0.0/0"), new(32767, true, false, "-1", "0.0.0.0/0"),
    ];
}

internal sealed class FakeInstance(string id)
{
    public string Id { get; } = id;

    public string State { get; set; } = "running";

    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    public List<FakeNetworkInterface> NetworkInterfaces { get; } = [];

    public MetadataOptionsState Metadata { get; set; } = new("enabled", "optional", 1, "disabled", "disabled");

    public string? ProfileArn { get; set; } = "arn:aws:iam::123456789012:instance-profile/web";

    public bool TerminationProtection { get; set; }

    public string ShutdownBehavior { get; set; } = "terminate";

    public bool HibernationConfigured { get; set; }

    public List<string> VolumeIds { get; } = [];

    public FakeNetworkInterface Eni(string id) => NetworkInterfaces.Single(n => n.Id == id);
}

/// <summary>
/// An in-memory EC2 for the containment engine: applies the calls to its model (skipping those made with
/// <c>dryRun</c>), records every call in order, and throws where told to.
/// </summary>
internal sealed class FakeInstanceContainment : IInstanceContainment
{
    private readonly Lock _lock = new();
    private readonly List<FakeCall> _calls = [];
    private readonly List<(Func<FakeCall, bool> When, Func<Exception> Exception)> _failures = [];
    private readonly List<(string Id, Dictionary<string, string> Tags)> _snapshots = [];
    private int _nextId;
    private int _clock;

    public Dictionary<string, FakeInstance> Instances { get; } = new(StringComparer.Ordinal);

    /// <summary>The findings the engine attributed its calls to, in order.</summary>
    public List<string> AttributedTo { get; } = [];

    public IInstanceContainment ForFinding(string findingKey)
    {
        lock (_lock)
        {
            AttributedTo.Add(findingKey);
        }

        return this;
    }

    public List<QuarantineGroup> Groups { get; } = [];

    /// <summary>What <see cref="AreRequestTokensScarce"/> answers: true puts every instance's isolation before other work.</summary>
    public bool Scarce { get; set; }

    public bool AreRequestTokensScarce(AwsScope scope) => Scarce;

    /// <summary>Awaited inside every call, after it is recorded and before it ends: a test's gate.</summary>
    public Func<FakeCall, Task>? OnCall { get; set; }

    public IReadOnlyList<FakeCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public FakeInstance AddInstance(string instanceId, params (string Id, string VpcId, string[] Groups)[] networkInterfaces)
    {
        var instance = new FakeInstance(instanceId);
        instance.NetworkInterfaces.AddRange(networkInterfaces.Select(n => new FakeNetworkInterface(n.Id, n.VpcId, n.Groups)));
        instance.VolumeIds.Add("vol-" + instanceId[2..]);
        Instances.Add(instanceId, instance);
        return instance;
    }

    /// <summary>Calls of <paramref name="operation"/> (on <paramref name="target"/>, whose detail contains <paramref name="detailContains"/>) throw an <see cref="AwsOperationException"/>.</summary>
    public void Fail(string operation, string? target = null, string? detailContains = null, string errorCode = "InternalError") =>
        Throw(operation, target, detailContains, () => new AwsOperationException(operation, errorCode, "injected failure"));

    public void Throw(string operation, string? target, string? detailContains, Func<Exception> exception)
    {
        lock (_lock)
        {
            _failures.Add((c => c.Operation == operation
                && (target is null || c.Target == target)
                && (detailContains is null || c.Detail.Contains(detailContains, StringComparison.Ordinal)), exception));
        }
    }

    public void ClearFailures()
    {
        lock (_lock)
        {
            _failures.Clear();
        }
    }

    public IReadOnlyList<FakeCall> CallsOf(string operation, string? target = null) =>
        [.. Calls.Where(c => c.Operation == operation && (target is null || c.Target == target))];

    public async Task<InstanceDescription?> DescribeInstanceAsync(InstanceReference instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var id = instance.InstanceId.Value;
        await CallAsync("DescribeInstance", id);
        lock (_lock)
        {
            if (!Instances.TryGetValue(id, out var i))
            {
                return null;
            }

            return new InstanceDescription(
                id,
                i.State,
                new Dictionary<string, string>(i.Tags, StringComparer.Ordinal),
                [.. i.NetworkInterfaces.Select(n => new NetworkInterfaceState(n.Id, n.VpcId, [.. n.GroupIds])
                {
                    SubnetId = n.SubnetId,
                    Ipv4Addresses = [.. n.Ipv4Addresses],
                    Tracking = n.Tracking,

                    // EC2 names the groups of an ENI; the quarantine groups here carry ThreatResponse's names.
                    GroupNames = [.. n.GroupIds.Select(g => Groups.Find(q => q.GroupId == g) is { } q ? "threat-response-" + q.Role.ToString().ToLowerInvariant() : g)],
                })],
                i.Metadata,
                i.ProfileArn is null ? null : new ProfileAssociation("iip-assoc-" + id[2..], i.ProfileArn),
                i.TerminationProtection,
                i.ShutdownBehavior,
                i.HibernationConfigured,
                [.. i.VolumeIds]);
        }
    }

    public async Task<IReadOnlyList<QuarantineGroup>> DescribeQuarantineGroupsAsync(AwsScope scope, IReadOnlyCollection<RecordedQuarantineGroup> recorded, CancellationToken cancellationToken)
    {
        await CallAsync("DescribeQuarantineGroups", string.Join(',', recorded.Select(r => r.GroupId)));
        lock (_lock)
        {
            return [.. Groups.Where(g => recorded.Any(r => r.GroupId == g.GroupId && r.VpcId == g.VpcId)).Select(g => g with { Role = recorded.First(r => r.GroupId == g.GroupId).Role })];
        }
    }

    /// <summary>The groups of <see cref="Groups"/> stand for those named as ThreatResponse names them: the first of each role.</summary>
    public async Task<IReadOnlyList<NamedQuarantineGroup>> FindQuarantineGroupsByNameAsync(AwsScope scope, CancellationToken cancellationToken)
    {
        await CallAsync("FindQuarantineGroupsByName", scope.Account);
        lock (_lock)
        {
            return [.. Groups.GroupBy(g => (g.VpcId, g.Role)).Select(named => named.First()).Select(g => new NamedQuarantineGroup(g,
                [.. Instances.Values.Where(i => i.NetworkInterfaces.Any(n => n.GroupIds.Contains(g.GroupId) && n.GroupIds.Any(other => !Groups.Exists(q => q.GroupId == other)))).Select(i => i.Id)]))];
        }
    }

    public async Task<string?> CreateQuarantineGroupAsync(AwsScope scope, string vpcId, QuarantineGroupRole role, bool dryRun, CancellationToken cancellationToken)
    {
        await CallAsync("CreateQuarantineGroup", vpcId, role.ToString(), dryRun);
        if (dryRun)
        {
            return null;
        }

        lock (_lock)
        {
            var id = $"sg-q{role.ToString().ToLowerInvariant()}{++_nextId}";
            Groups.Add(new QuarantineGroup(id, vpcId, role, RulesAsRequired: false));
            return id;
        }
    }

    public async Task SetQuarantineGroupRulesAsync(AwsScope scope, string groupId, QuarantineGroupRole role, bool freshlyCreated, CancellationToken cancellationToken)
    {
        await CallAsync("SetQuarantineGroupRules", groupId, role.ToString());
        lock (_lock)
        {
            var index = Groups.FindIndex(g => g.GroupId == groupId);
            Groups[index] = Groups[index] with { RulesAsRequired = true };
        }
    }

    public Task SetConnectionTrackingAsync(InstanceReference instance, string networkInterfaceId, ConnectionTrackingState timeouts, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetConnectionTracking", networkInterfaceId, $"{timeouts.TcpEstablished}/{timeouts.UdpStream}/{timeouts.Udp}", dryRun, () => Eni(instance, networkInterfaceId).Tracking = timeouts);

    /// <summary>The network ACLs of every VPC; none unless a test adds them.</summary>
    public List<FakeNetworkAcl> NetworkAcls { get; } = [];

    public async Task<IReadOnlyList<NetworkAclState>> DescribeNetworkAclsAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken)
    {
        await CallAsync("DescribeNetworkAcls", vpcId);
        lock (_lock)
        {
            return [.. NetworkAcls.Where(a => a.VpcId == vpcId).Select(a => new NetworkAclState(a.Id, a.VpcId, [.. a.SubnetIds], [.. a.Entries]))];
        }
    }

    public async Task<NetworkAclState?> DescribeNetworkAclAsync(AwsScope scope, string networkAclId, CancellationToken cancellationToken)
    {
        await CallAsync("DescribeNetworkAcl", networkAclId);
        lock (_lock)
        {
            return NetworkAcls.Where(a => a.Id == networkAclId).Select(a => new NetworkAclState(a.Id, a.VpcId, [.. a.SubnetIds], [.. a.Entries])).FirstOrDefault();
        }
    }

    public Task CreateNetworkAclDenyEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("CreateNetworkAclEntry", entry.NetworkAclId, $"#{entry.RuleNumber} {(entry.Egress ? "out" : "in")} {entry.Cidr}", dryRun, () =>
        {
            var acl = NetworkAcls.Single(a => a.Id == entry.NetworkAclId);
            if (acl.Entries.Any(e => e.RuleNumber == entry.RuleNumber && e.Egress == entry.Egress))
            {
                throw new AwsOperationException("CreateNetworkAclEntry", "NetworkAclEntryAlreadyExists", "taken");
            }

            acl.Entries.Add(new NetworkAclEntryState(entry.RuleNumber, entry.Egress, Allow: false, "-1", entry.Cidr));
        });

    public Task DeleteNetworkAclEntryAsync(AwsScope scope, NetworkAclDenyEntry entry, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("DeleteNetworkAclEntry", entry.NetworkAclId, $"#{entry.RuleNumber} {(entry.Egress ? "out" : "in")}", dryRun,
            () => NetworkAcls.Single(a => a.Id == entry.NetworkAclId).Entries.RemoveAll(e => e.RuleNumber == entry.RuleNumber && e.Egress == entry.Egress));

    /// <summary>Security groups outside the quarantine ones, by id: their VPC. Unknown ids are in the instance's VPC ("vpc-1") unless listed.</summary>
    public Dictionary<string, string> SecurityGroupVpcs { get; } = new(StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, string>> FindSecurityGroupVpcsAsync(AwsScope scope, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        await CallAsync("FindSecurityGroupVpcs", scope.Account, Keys(groupIds));
        lock (_lock)
        {
            return groupIds.Where(id => SecurityGroupVpcs.GetValueOrDefault(id) != "gone").ToDictionary(id => id, id => SecurityGroupVpcs.GetValueOrDefault(id, "vpc-1"), StringComparer.Ordinal);
        }
    }

    public Task SetNetworkInterfaceGroupsAsync(InstanceReference instance, string networkInterfaceId, IReadOnlyList<string> groupIds, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetNetworkInterfaceGroups", networkInterfaceId, string.Join(',', groupIds), dryRun, () => Eni(instance, networkInterfaceId).GroupIds = [.. groupIds]);

    public Task SetTerminationProtectionAsync(InstanceReference instance, bool enabled, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetTerminationProtection", Id(instance), enabled ? "on" : "off", dryRun, () => Get(instance).TerminationProtection = enabled);

    public Task SetShutdownBehaviorAsync(InstanceReference instance, string behavior, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetShutdownBehavior", Id(instance), behavior, dryRun, () => Get(instance).ShutdownBehavior = behavior);

    public Task SetMetadataOptionsAsync(InstanceReference instance, MetadataOptionsState options, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetMetadataOptions", Id(instance), options.HttpEndpoint, dryRun, () => Get(instance).Metadata = options);

    public Task DisassociateInstanceProfileAsync(InstanceReference instance, string associationId, CancellationToken cancellationToken) =>
        ApplyAsync("DisassociateInstanceProfile", Id(instance), associationId, dryRun: false, () => Get(instance).ProfileArn = null);

    public Task ReplaceInstanceProfileAsync(InstanceReference instance, string associationId, string profileArn, CancellationToken cancellationToken) =>
        ApplyAsync("ReplaceInstanceProfile", Id(instance), profileArn, dryRun: false, () => Get(instance).ProfileArn = profileArn);

    public Task<ForensicChannelLookup> FindForensicChannelAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken) =>
        Task.FromResult(ForensicChannelLookup.None($"no endpoints in {vpcId} (fake)"));

    public Task<string?> FindSubnetRouteTableAsync(AwsScope scope, string vpcId, string subnetId, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);

    public Task<ForensicGroup?> EnsureForensicGroupAsync(AwsScope scope, ForensicChannel channel, string? recordedGroupId, bool dryRun, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the fake has no forensic channel");

    public Task AssociateInstanceProfileAsync(InstanceReference instance, string profileArn, CancellationToken cancellationToken) =>
        ApplyAsync("AssociateInstanceProfile", Id(instance), profileArn, dryRun: false, () => Get(instance).ProfileArn = profileArn);

    public Task SetTagsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetTags", Id(instance), Keys(tags.Keys), dryRun, () =>
        {
            foreach (var (key, value) in tags)
            {
                Get(instance).Tags[key] = value;
            }
        });

    public Task RemoveTagsAsync(InstanceReference instance, IReadOnlyCollection<string> keys, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("RemoveTags", Id(instance), Keys(keys), dryRun, () =>
        {
            foreach (var key in keys)
            {
                Get(instance).Tags.Remove(key);
            }
        });

    public async Task<IReadOnlyList<string>> FindSnapshotsAsync(InstanceReference instance, string findingKey, CancellationToken cancellationToken)
    {
        await CallAsync("FindSnapshots", Id(instance));
        lock (_lock)
        {
            return [.. _snapshots.Where(s => s.Tags.GetValueOrDefault(QuarantineTags.InstanceId) == Id(instance) && s.Tags.GetValueOrDefault(QuarantineTags.FindingId) == findingKey).Select(s => s.Id)];
        }
    }

    public async Task<IReadOnlyList<SnapshotTaken>> CreateSnapshotsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken)
    {
        await CallAsync("CreateSnapshots", Id(instance), Keys(tags.Keys), dryRun);
        if (dryRun)
        {
            return [];
        }

        lock (_lock)
        {
            var taken = Get(instance).VolumeIds.Select(volume => new SnapshotTaken($"snap-{++_nextId}", volume, null)).ToList();
            _snapshots.AddRange(taken.Select(t => (t.SnapshotId, new Dictionary<string, string>(tags, StringComparer.Ordinal))));
            return taken;
        }
    }

    public Task StopInstanceAsync(InstanceReference instance, bool hibernate, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("StopInstance", Id(instance), hibernate ? "hibernate" : "stop", dryRun, () => Get(instance).State = "stopping");

    private static string Id(InstanceReference instance) => instance.InstanceId.Value;

    private static string Keys(IEnumerable<string> keys) => string.Join(',', keys.Order(StringComparer.Ordinal));

    private FakeInstance Get(InstanceReference instance) => Instances[Id(instance)];

    private FakeNetworkInterface Eni(InstanceReference instance, string networkInterfaceId) => Get(instance).Eni(networkInterfaceId);

    private async Task ApplyAsync(string operation, string target, string detail, bool dryRun, Action apply)
    {
        await CallAsync(operation, target, detail, dryRun);
        if (!dryRun)
        {
            lock (_lock)
            {
                apply();
            }
        }
    }

    /// <summary>Records the call, lets other work run (as a round trip would), records its end, and throws when told to.</summary>
    private async Task CallAsync(string operation, string target, string detail = "", bool dryRun = false)
    {
        FakeCall call;
        Func<Exception>? failure;
        lock (_lock)
        {
            call = new FakeCall(operation, target, detail, dryRun, ++_clock);
            _calls.Add(call);
            failure = _failures.Find(f => f.When(call)).Exception;
        }

        await Task.Yield();
        if (OnCall is { } gate)
        {
            await gate(call);
        }

        lock (_lock)
        {
            call.Ended = ++_clock;
        }

        if (failure is not null)
        {
            throw failure();
        }
    }
}
