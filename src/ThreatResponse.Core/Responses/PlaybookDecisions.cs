using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Playbooks;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// Turns the playbook's rules into decisions, per finding and instance, within <c>AUTO_RESPONSE_MODE</c>: <c>off</c>
/// everywhere means notify only whatever a rule says; otherwise a rule's own mode wins over the global one.
/// </summary>
public static class PlaybookDecisions
{
    public static List<FindingDecision> Decide(IEnumerable<Finding> findings, LoadedPlaybook playbook, ResponseMode mode)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(playbook);
        var decisions = new List<FindingDecision>();
        foreach (var finding in findings)
        {
            if (playbook.Playbook is null)
            {
                // Fail safe: an unusable playbook never acts, and says why in the notification.
                decisions.AddRange(FindingDecision.ForEachInstance(finding, [], "playbook-invalid", $"nothing contained because the playbook is unusable: {playbook.Error}"));
                continue;
            }

            if (finding.Instances.Count == 0)
            {
                decisions.AddRange(FindingDecision.ForEachInstance(finding, [], playbook.Playbook.Decide(finding, null).Name));
                continue;
            }

            foreach (var instance in finding.Instances)
            {
                var rule = playbook.Playbook.Decide(finding, instance);
                var effective = mode == ResponseMode.Off ? ResponseMode.Off : rule.Mode ?? mode;
                decisions.Add(effective == ResponseMode.Off || rule.Actions.Count == 0
                    ? new FindingDecision(finding, instance, [], rule.Name, rule.Actions.Count == 0 ? $"rule {rule.Name}: notify only" : $"AUTO_RESPONSE_MODE=off (rule {rule.Name} would {string.Join('+', rule.Actions.Select(ContainmentActionNames.Of))}): notify only")
                    : new FindingDecision(finding, instance, rule.Actions, rule.Name, DryRun: effective == ResponseMode.DryRun) { NetworkAcl = rule.NetworkAcl, MoreSevereOverridesRelease = rule.MoreSevereOverridesRelease, EvidenceFirst = rule.EvidenceFirstSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null });
            }
        }

        return decisions;
    }
}
