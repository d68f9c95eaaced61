using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Responses;

/// <summary>What a function decides for an event: which kind it serves, what it refuses, what to do per finding and instance.</summary>
public interface IDecisionPolicy
{
    /// <summary>The kinds of event this function is subscribed to; any other is refused.</summary>
    IReadOnlySet<FindingEventKind> Serves { get; }

    /// <summary>Why this event must be refused before anything is done (for example a custom action that is not ours); null to go on.</summary>
    string? Refuse(FindingEvent findingEvent);

    Task<IReadOnlyList<FindingDecision>> DecideAsync(FindingEvent findingEvent, CancellationToken cancellationToken);
}
