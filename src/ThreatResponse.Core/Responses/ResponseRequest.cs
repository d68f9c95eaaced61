using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Core.Responses;

/// <summary>One response to carry out: made once from the event and the policy's decisions.</summary>
/// <param name="Trigger">Who asked: the function's name (or the CLI command).</param>
/// <param name="SecurityHubRegion">Where to update the findings: the event's Region, or the GuardDuty finding's own.</param>
/// <param name="EventId">The EventBridge event's id: a second delivery of the same event stays silent.</param>
/// <param name="Deadline">When EC2 calls stop so the response can still be told before the function's timeout; null: none.</param>
public sealed record ResponseRequest(string Trigger, IReadOnlyList<FindingDecision> Decisions, string SecurityHubRegion, string? EventId = null, ResponseDeadline? Deadline = null);

/// <summary>Where a response is told: the findings (Security Hub) and on-call (SNS).</summary>
public sealed record ResponseOutlets(IFindingUpdater FindingUpdater, INotifier Notifier, FindingUpdateOptions UpdateOptions);
