using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;

namespace ThreatResponse.Core.Responses;

/// <summary>
/// The use case every function runs, in one call: intake (parse and check the event), decide (the function's
/// <see cref="IDecisionPolicy"/>), respond (<see cref="FindingResponder"/>). A refused event changes nothing in AWS.
/// </summary>
public sealed class EventResponder(FindingResponder responder)
{
    /// <param name="trigger">Who asked: the function's name.</param>
    /// <param name="deadline">When EC2 calls stop, so the response is still told before the function's timeout; null: none.</param>
    /// <exception cref="ResponseFailedException">Something a retry could fix did not complete (after notifying).</exception>
    public async Task<EventResponse> RespondAsync(Stream input, IDecisionPolicy policy, string trigger, ResponseDeadline? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var intake = await FindingEventParser.ParseAsync(input, cancellationToken);
        if (!intake.IsSuccess)
        {
            return EventResponse.Refused($"event rejected, nothing was done: {intake.Error}");
        }

        var findingEvent = intake.Event;
        if (!policy.Serves.Contains(findingEvent.Kind))
        {
            return EventResponse.Refused($"event rejected, nothing was done: this function handles {string.Join(" and ", policy.Serves.Order())} events, not {findingEvent.Kind}");
        }

        if (findingEvent.Kind == FindingEventKind.SecurityHubImportedV2 && !responder.HasLedger)
        {
            // Security Hub sends a V2 finding again when it is updated — by our own note too. The ledger knows the decision
            // was carried out and stays silent; without it, each of our notes would be taken for news, without end.
            return EventResponse.Refused("event rejected, nothing was done: Findings Imported V2 events need the ledger (LEDGER_TABLE_NAME), which tells ThreatResponse's own update of a finding from news");
        }

        if (policy.Refuse(findingEvent) is { } reason)
        {
            return EventResponse.Refused($"event rejected, nothing was done: {reason}");
        }

        var decisions = await policy.DecideAsync(findingEvent, cancellationToken);
        // GuardDuty's finding is in Security Hub in the Region it occurred, which is also where a forwarded event came
        // from (templates/region-forwarder.yaml): the finding says so itself. Custom actions: where the analyst clicked.
        var securityHubRegion = findingEvent.Kind == FindingEventKind.GuardDutyFinding && findingEvent.Findings is [{ Region: { Length: > 0 } region }]
            ? region
            : findingEvent.Region;
        var result = await responder.RespondAsync(new ResponseRequest(trigger, decisions, securityHubRegion, findingEvent.EventId, deadline), cancellationToken);
        return new EventResponse(findingEvent, result, RefusedBecause: null);
    }
}

/// <summary>
/// What became of an event: refused (with the reason), every decision already carried out (<see cref="Result"/> null: a
/// repeated delivery), or responded.
/// </summary>
public sealed record EventResponse(FindingEvent? Event, ResponseResult? Result, string? RefusedBecause)
{
    public static EventResponse Refused(string reason) => new(null, null, reason);
}
