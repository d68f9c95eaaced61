using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Playbooks;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// GuardDuty findings, decided by the playbook in force within the automatic-response mode: as GuardDuty sends them, or
/// as the new Security Hub sends them (<c>Findings Imported V2</c>, when the stack's optional rule subscribes them). The
/// playbook is read only once the event is accepted, so a refused event costs no call to its source.
/// </summary>
public sealed class PlaybookPolicy(Func<CancellationToken, Task<LoadedPlaybook>> playbooks, ResponseMode mode) : IDecisionPolicy
{
    private static readonly HashSet<FindingEventKind> GuardDutyFindings = [FindingEventKind.GuardDutyFinding, FindingEventKind.SecurityHubImportedV2];

    public IReadOnlySet<FindingEventKind> Serves => GuardDutyFindings;

    /// <summary>The playbook is written for GuardDuty's finding types: other products' V2 findings are not responded to automatically.</summary>
    public string? Refuse(FindingEvent findingEvent)
    {
        ArgumentNullException.ThrowIfNull(findingEvent);
        var other = findingEvent.Findings.Select((f, i) => (Finding: f, Index: i)).FirstOrDefault(f => f.Finding.Source != FindingSource.GuardDuty);
        return other.Finding is null
            ? null
            : $"$.detail.findings[{other.Index}].metadata.product is {other.Finding.ProductArn}, not GuardDuty: automatic response serves GuardDuty findings only";
    }

    public async Task<IReadOnlyList<FindingDecision>> DecideAsync(FindingEvent findingEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(findingEvent);
        return PlaybookDecisions.Decide(findingEvent.Findings, await playbooks(cancellationToken), mode);
    }
}
