using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.Engine;

/// <summary>
/// One request in progress, made once when it starts and shared by all its instances: the request as asked, the
/// options after its overrides (a playbook rule's <c>networkAcl</c>), its report id and start time, and what its
/// instances share — each VPC's quarantine groups and forensic channel, the network ACLs being written, and the gate
/// that puts every instance's isolation path first.
/// </summary>
internal sealed class ContainmentRun
{
    private readonly string _defaultKey;

    public ContainmentRun(ContainmentRequest request, ContainmentEngineParts engine, CancellationToken cancellationToken)
    {
        var (ec2, options, ports, time) = engine;
        Request = request;
        Time = time;
        StartedAt = time.GetUtcNow();
        ReportId = "tr-" + Guid.CreateVersion7(StartedAt).ToString("N");
        Options = request.DenyInNetworkAcls is { } deny ? options with { DenyInNetworkAcls = deny } : options;
        _defaultKey = FindingKey.Of(request.FindingId ?? $"manual:{ReportId}");
        Instances = [.. request.Instances.Distinct()];

        // The VPCs' groups serve every finding of the request: their calls are attributed to its finding, or to its report
        // when several. Without a state store there is no ledger to record groups in, whatever registry is given.
        var shared = Bounded(ec2.ForFinding(request.FindingId is null ? ReportId : _defaultKey));
        Groups = new QuarantineGroupResolver(shared, ports.StateStore is null ? null : ports.GroupRegistry, this, cancellationToken);
        Channels = new ForensicChannels(shared, Groups, time, cancellationToken, options.Evidence);
        First = new ContainmentFirstGate(ec2, time, request.Actions.Contains(ContainmentAction.Isolate) ? Instances : []);
    }

    public ContainmentRequest Request { get; }

    /// <summary>The engine's options with the request's overrides applied.</summary>
    public ContainmentOptions Options { get; }

    public TimeProvider Time { get; }

    public DateTimeOffset StartedAt { get; }

    public string ReportId { get; }

    /// <summary>The request's instances, each once.</summary>
    public IReadOnlyList<InstanceReference> Instances { get; }

    public bool DryRun => Request.DryRun;

    public QuarantineGroupResolver Groups { get; }

    public ForensicChannels Channels { get; }

    public SharedNetworkAcls Acls { get; } = new();

    public ContainmentFirstGate First { get; }

    /// <summary>The finding an instance is contained for, as stored in tags (<see cref="FindingKey"/>).</summary>
    public string KeyFor(InstanceReference instance) =>
        Request.FindingIdByInstance?.TryGetValue(instance, out var id) == true ? FindingKey.Of(id) : _defaultKey;

    /// <summary>EC2 calls stop at the request's deadline, when it has one.</summary>
    public IInstanceContainment Bounded(IInstanceContainment containment) =>
        Request.Deadline is { } deadline ? containment.Until(deadline) : containment;

    /// <summary>Whether this response may change the instance (<see cref="IClaimGate"/>).</summary>
    public Task<bool> MayChangeAsync(InstanceReference instance) => Request.Claims?.MayChangeAsync(instance) ?? Task.FromResult(true);
}

/// <summary>What the engine is made of: EC2, its options, the other ports, the clock.</summary>
internal sealed record ContainmentEngineParts(IInstanceContainment Ec2, ContainmentOptions Options, ContainmentPorts Ports, TimeProvider Time);
