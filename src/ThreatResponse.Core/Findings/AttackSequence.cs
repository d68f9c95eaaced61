namespace ThreatResponse.Core.Findings;

/// <summary>
/// A GuardDuty attack sequence (Extended Threat Detection: <c>AttackSequence:EC2/CompromisedInstanceGroup</c> and the
/// other kinds): one critical finding built from the signals GuardDuty correlated, naming the resources involved.
/// </summary>
/// <param name="Uid">The sequence's id; null when the event does not carry <c>service.detection.sequence</c>.</param>
/// <param name="Signals">What led to it: each signal's name and kind (a finding, CloudTrail, runtime monitoring ...).</param>
/// <param name="ResourceCount">Resources the sequence names, of every kind.</param>
public sealed record AttackSequence(string? Uid, IReadOnlyList<string> Signals, int ResourceCount)
{
    /// <summary>EC2 instances the sequence names beyond what one response acts on (<see cref="MaxInstances"/>): reported, not contained.</summary>
    public IReadOnlyList<InstanceReference> BeyondCap { get; init; } = [];

    /// <summary>Instances one response acts on: a custom action's 100 findings, BatchUpdateFindings' batch.</summary>
    public const int MaxInstances = 100;

    /// <summary>Signals named in words before the rest are counted.</summary>
    private const int SignalsNamed = 8;

    /// <summary>For the notification and the finding note: which signals led to the sequence, and what was left out.</summary>
    public string Describe()
    {
        var signals = Signals.Count == 0
            ? "no signals in the event"
            : string.Join(", ", Signals.Take(SignalsNamed)) + (Signals.Count > SignalsNamed ? $" and {Signals.Count - SignalsNamed} more" : "");
        var text = $"attack sequence {Uid ?? "(no id in the event)"} of {ResourceCount} resource(s), from {Signals.Count} signal(s): {signals}";
        return BeyondCap.Count == 0
            ? text
            : $"{text}; it names {BeyondCap.Count} more instance(s) than the {MaxInstances} one response acts on, NOT contained: {string.Join(", ", BeyondCap.Select(i => $"{i.InstanceId} ({i.Account}, {i.Region})"))} — contain them with threat-response contain";
    }
}
