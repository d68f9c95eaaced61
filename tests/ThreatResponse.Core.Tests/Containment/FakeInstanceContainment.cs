using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
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
internal sealed partial class FakeInstanceContainment : IInstanceContainment
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

    /// <summary>The network ACLs of every VPC; none unless a test adds them.</summary>
    public List<FakeNetworkAcl> NetworkAcls { get; } = [];

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
