using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Containment.Engine;

/// <summary>One instance's response in progress: what was looked up once and is shared by its actions, and its request.</summary>
internal sealed class InstanceContext(InstanceReference instance, InstanceDescription description, StepLog log, ContainmentRun run)
{
    public InstanceReference Instance { get; } = instance;

    public InstanceDescription Description { get; } = description;

    /// <summary>The request this instance's response belongs to.</summary>
    public ContainmentRun Run { get; } = run;

    /// <summary>The finding id as stored in tags (<see cref="FindingKey"/>).</summary>
    public string FindingKey { get; } = run.KeyFor(instance);

    public bool DryRun => Run.DryRun;

    public StepLog Log { get; } = log;

    /// <summary>The response's time, written in tags.</summary>
    public DateTimeOffset Now => Run.StartedAt;

    public string NowText => Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The engine's options after the request's overrides.</summary>
    public ContainmentOptions Options => Run.Options;

    /// <summary>Release only: also put the instance back in its Auto Scaling group and target groups.</summary>
    public bool RestoreMembership => Run.Request.RestoreMembership || Run.Options.ReleaseRestoresMembership;

    /// <summary>Release only from the finding that isolated the instance (<see cref="ContainmentRequest.ReleaseOnlyForIsolatingFinding"/>).</summary>
    public bool ReleaseOnlyForIsolatingFinding => Run.Request.ReleaseOnlyForIsolatingFinding;

    /// <summary>When the request's EC2 calls stop; null: no deadline.</summary>
    public ResponseDeadline? Deadline => Run.Request.Deadline;

    /// <summary>Before a step off the isolation path: waits while containment comes first (see <see cref="ContainmentFirstGate"/>).</summary>
    /// <returns>How long it waited; null when it did not.</returns>
    public Task<TimeSpan?> YieldToContainmentAsync(StepName step, CancellationToken cancellationToken) =>
        Run.First.YieldAsync(Instance, step, cancellationToken);

    /// <summary>A step off the isolation path: yields to containment first, and its detail says how long it waited.</summary>
    public async Task<bool> RunDeferredAsync(ContainmentAction action, StepName step, string? target, Func<Task<string?>> body, CancellationToken cancellationToken)
    {
        var waited = await YieldToContainmentAsync(step, cancellationToken);
        return await Log.RunAsync(action, step, target, DryRun, async () => ContainmentFirstGate.Waited(await body(), waited));
    }

    /// <summary>This instance's isolation path is done: work of other instances that waited for it may go.</summary>
    public void ContainmentServed() => Run.First.Served(Instance);

    /// <summary>Set once termination protection is known to be on, so a later stop does not set it again.</summary>
    public bool TerminationProtectionOn { get; set; } = description.TerminationProtection;
}
