using ThreatResponse.Core.Containment.Steps;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment;

/// <summary>One instance's response in progress: what was looked up once and is shared by its actions.</summary>
internal sealed class InstanceContext(InstanceReference instance, InstanceDescription description, string findingKey, bool dryRun, StepLog log, DateTimeOffset now)
{
    public InstanceReference Instance { get; } = instance;

    public InstanceDescription Description { get; } = description;

    /// <summary>The finding id as stored in tags (<see cref="FindingKey"/>).</summary>
    public string FindingKey { get; } = findingKey;

    public bool DryRun { get; } = dryRun;

    public StepLog Log { get; } = log;

    /// <summary>The response's time, written in tags.</summary>
    public DateTimeOffset Now { get; } = now;

    public string NowText => Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Release only: also put the instance back in its Auto Scaling group and target groups.</summary>
    public bool RestoreMembership { get; init; }

    /// <summary>Release only from the finding that isolated the instance (<see cref="ContainmentRequest.ReleaseOnlyForIsolatingFinding"/>).</summary>
    public bool ReleaseOnlyForIsolatingFinding { get; init; }

    /// <summary>The request's choice on network ACL entries; null: the engine's options decide.</summary>
    public bool? DenyInNetworkAcls { get; init; }

    /// <summary>When the request's EC2 calls stop; null: no deadline.</summary>
    public ResponseDeadline? Deadline { get; init; }

    /// <summary>Puts the isolation path of every instance of the request first when EC2 request tokens are scarce; null: nothing waits.</summary>
    public ContainmentFirstGate? ContainmentFirst { get; init; }

    /// <summary>Before a step off the isolation path: waits while containment comes first (see <see cref="ContainmentFirstGate"/>).</summary>
    /// <returns>How long it waited; null when it did not.</returns>
    public Task<TimeSpan?> YieldToContainmentAsync(StepName step, CancellationToken cancellationToken) =>
        ContainmentFirst?.YieldAsync(Instance, step, cancellationToken) ?? Task.FromResult<TimeSpan?>(null);

    /// <summary>A step off the isolation path: yields to containment first, and its detail says how long it waited.</summary>
    public async Task<bool> RunDeferredAsync(ContainmentAction action, StepName step, string? target, Func<Task<string?>> body, CancellationToken cancellationToken)
    {
        var waited = await YieldToContainmentAsync(step, cancellationToken);
        return await Log.RunAsync(action, step, target, DryRun, async () => ContainmentFirstGate.Waited(await body(), waited));
    }

    /// <summary>This instance's isolation path is done: work of other instances that waited for it may go.</summary>
    public void ContainmentServed() => ContainmentFirst?.Served(Instance);

    /// <summary>Set once termination protection is known to be on, so a later stop does not set it again.</summary>

    public bool TerminationProtectionOn { get; set; } = description.TerminationProtection;
}
