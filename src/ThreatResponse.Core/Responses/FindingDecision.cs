using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// What to do about one instance of one finding (or about the finding alone, when it names no instance), and the rule
/// that said so. No actions means notify only.
/// </summary>
/// <param name="Instance">Null when the finding names no instance.</param>
/// <param name="Reason">Why nothing is contained, when nothing is.</param>
/// <param name="DryRun">Check every EC2 call with DryRun instead of acting.</param>
public sealed record FindingDecision(
    Finding Finding,
    InstanceReference? Instance,
    IReadOnlyList<ContainmentAction> Actions,
    string Rule,
    string? Reason = null,
    bool DryRun = false)
{
    /// <summary>One decision per instance the finding names (or one for the finding), all with the same actions.</summary>
    public static IEnumerable<FindingDecision> ForEachInstance(Finding finding, IReadOnlyList<ContainmentAction> actions, string rule, string? reason = null, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return finding.Instances.Count == 0
            ? [new FindingDecision(finding, null, [], rule, "the finding names no EC2 instance; nothing to contain", dryRun)]
            : finding.Instances.Select(i => new FindingDecision(finding, i, actions, rule, reason, dryRun));
    }

    /// <summary>An analyst asked (a custom action): always answered, and it outranks automatic response.</summary>
    public bool ByAnalyst { get; init; }

    /// <summary>
    /// The playbook rule's <c>moreSevereOverridesRelease</c>: contain even after an analyst released the instance for
    /// this finding, when the update is more severe than the finding was then.
    /// </summary>
    public bool MoreSevereOverridesRelease { get; init; }

    /// <summary>The playbook rule's <c>networkAcl</c>; null: <c>NETWORK_ACL_DENY</c> decides.</summary>
    public bool? NetworkAcl { get; init; }

    /// <summary>What the ledger compares to tell a repeated decision from a changed one.</summary>
    /// <summary>The playbook rule's <c>evidenceFirstSeconds</c>: collect before isolating, waiting at most this long.</summary>
    public TimeSpan? EvidenceFirst { get; init; }

    public string Key => $"{(Actions.Count == 0 ? "notify" : string.Join('+', Actions.Select(ContainmentActionNames.Of)))}{(DryRun ? "|dry-run" : "")}{(NetworkAcl == false ? "|no-acl" : "")}{(EvidenceFirst is { } first ? $"|evidence-first-{first.TotalSeconds:0}s" : "")}";
}
