using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Playbooks;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// GuardDuty findings, decided by the playbook in force within the automatic-response mode. The playbook is read only
/// once the event is accepted, so a refused event costs no call to its source.
/// </summary>
public sealed class PlaybookPolicy(Func<CancellationToken, Task<LoadedPlaybook>> playbooks, ResponseMode mode) : IDecisionPolicy
{
    public FindingEventKind Serves => FindingEventKind.GuardDutyFinding;

    public string? Refuse(FindingEvent findingEvent) => null;

    public async Task<IReadOnlyList<FindingDecision>> DecideAsync(FindingEvent findingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(findingEvent);
        return PlaybookDecisions.Decide(findingEvent.Findings, await playbooks(cancellationToken), mode);
    }
}
