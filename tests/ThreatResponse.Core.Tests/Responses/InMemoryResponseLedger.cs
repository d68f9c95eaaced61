using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Core.Tests.Responses;

/// <summary>
/// The ledger's claim rules in memory, as <see cref="IResponseLedger"/> documents them: one record per finding and
/// instance; a claim held and younger than its lifetime is under way elsewhere, an older one is taken over; a failed
/// response may be claimed again; a done decision is done, except an analyst's click from another event (re-checked);
/// an automatic decision on an instance an analyst released is answered, not carried out.
/// </summary>
internal sealed class InMemoryResponseLedger : IResponseLedger
{
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(150);

    private const string InProgress = "in-progress";
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Finding, InstanceReference? Instance), Entry> _entries = [];

    public sealed record Entry(string Status, string DecisionKey, DateTimeOffset ClaimedAt, string? EventId)
    {
        public DateTimeOffset? DoneAt { get; init; }

        public DateTimeOffset? ReleasedAt { get; init; }
    }

    public Entry? Of(FindingDecision decision)
    {
        lock (_lock)
        {
            return _entries.GetValueOrDefault(KeyOf(decision));
        }
    }

    /// <summary>Another invocation holds the decision since <paramref name="claimedAt"/>.</summary>
    public void HeldElsewhere(FindingDecision decision, DateTimeOffset claimedAt)
    {
        lock (_lock)
        {
            _entries[KeyOf(decision)] = new Entry(InProgress, decision.Key, claimedAt, "another-event");
        }
    }

    public Task<Claim> ClaimAsync(FindingDecision decision, string? eventId, DateTimeOffset now, bool countDelivery, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var key = KeyOf(decision);
            if (!_entries.TryGetValue(key, out var entry))
            {
                _entries[key] = new Entry(InProgress, decision.Key, now, eventId);
                return Task.FromResult(new Claim(ClaimOutcome.Claimed));
            }

            if (entry.ReleasedAt is { } released && !decision.ByAnalyst)
            {
                return Task.FromResult(new Claim(ClaimOutcome.ReleasedByAnalyst, ReleasedAt: released));
            }

            if (entry.Status == InProgress)
            {
                if (now - entry.ClaimedAt < ClaimLifetime)
                {
                    return Task.FromResult(new Claim(ClaimOutcome.UnderWayElsewhere));
                }

                _entries[key] = entry with { ClaimedAt = now, EventId = eventId };
                return Task.FromResult(new Claim(ClaimOutcome.Claimed, InterruptedSince: entry.ClaimedAt));
            }

            var done = entry.Status != "failed" && entry.DecisionKey == decision.Key;
            if (done && !(decision.ByAnalyst && eventId != entry.EventId))
            {
                return Task.FromResult(new Claim(ClaimOutcome.AlreadyDone));
            }

            _entries[key] = entry with { Status = InProgress, DecisionKey = decision.Key, ClaimedAt = now, EventId = eventId };
            return Task.FromResult(new Claim(ClaimOutcome.Claimed, DoneBefore: done ? entry.DoneAt : null));
        }
    }

    public Task<bool> IsHeldAsync(FindingDecision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_entries.TryGetValue(KeyOf(decision), out var entry) && entry.Status == InProgress && now - entry.ClaimedAt < ClaimLifetime);
        }
    }

    public Task RecordAsync(FindingDecision decision, LedgerOutcome outcome, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var key = KeyOf(decision);
            var entry = _entries[key] with { Status = outcome.Outcome, DoneAt = outcome.At };
            if (decision.ByAnalyst && decision.Actions.Contains(ContainmentAction.Release) && !decision.DryRun && outcome.Outcome is not ("failed" or FindingResponder.Refused))
            {
                entry = entry with { ReleasedAt = outcome.At };
            }

            _entries[key] = entry;
            return Task.CompletedTask;
        }
    }

    private static (string, InstanceReference?) KeyOf(FindingDecision decision) => (FindingKey.Of(decision.Finding.Id), decision.Instance);
}
