using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Tests.Containment;
using static ThreatResponse.Core.Tests.Notifications.Responses;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Tests.Responses;

/// <summary>
/// What a delivery does for each way its claim in the ledger can end, against the in-memory EC2 and ledger: only a
/// claim won changes the instance, a claim another invocation finished is done, one it failed is taken over, one held to
/// the end fails the delivery for Lambda's retry, one a dead invocation left is completed, a repeat is not redone.
/// </summary>
public sealed class FindingResponderClaimTests
{
    private const string Vpc = "vpc-1";
    private const string OwnGroup = "sg-web";
    private readonly FakeInstanceContainment _ec2 = new();
    private readonly InMemoryResponseLedger _ledger = new();
    private readonly List<Notification> _notified = [];
    private readonly FindingDecision _decision = FindingDecision.ForEachInstance(GuardDuty(), [ContainmentAction.Isolate], "contain-backdoor").Single();

    public FindingResponderClaimTests() => _ec2.AddInstance(WebInstanceId, (Eni, Vpc, [OwnGroup]));

    [Fact]
    public async Task Respond_ClaimWon_InstanceIsolatedRecordedAndNotifiedOnce()
    {
        var result = await RespondAsync("event-1");

        Assert.NotNull(result);
        Assert.Equal(StepOutcome.Succeeded, result.Summary.Outcome);
        Assert.DoesNotContain(OwnGroup, EniGroups());
        Assert.Equal("succeeded", _ledger.Of(_decision)!.Status);
        Assert.Single(_notified);
    }

    [Fact]
    public async Task Respond_HeldElsewhereThenFinished_NothingChangedNothingNotified()
    {
        _ledger.HeldElsewhere(_decision, DateTimeOffset.UtcNow);
        var other = FinishElsewhereAsync("succeeded");

        var result = await RespondAsync("event-2", claimWait: TimeSpan.FromSeconds(10));
        await other;

        Assert.Null(result);
        Assert.Equal([OwnGroup], EniGroups());
        Assert.Empty(_notified);
    }

    [Fact]
    public async Task Respond_HeldElsewhereThenFailed_TakenOverAndIsolated()
    {
        _ledger.HeldElsewhere(_decision, DateTimeOffset.UtcNow);
        var other = FinishElsewhereAsync("failed");

        var result = await RespondAsync("event-2", claimWait: TimeSpan.FromSeconds(10));
        await other;

        Assert.NotNull(result);
        Assert.DoesNotContain(OwnGroup, EniGroups());
        Assert.Equal("succeeded", _ledger.Of(_decision)!.Status);
    }

    [Fact]
    public async Task Respond_HeldElsewhereToTheEnd_DeliveryFailsForRetryNothingChangedDelayNotified()
    {
        _ledger.HeldElsewhere(_decision, DateTimeOffset.UtcNow);

        var failure = await Assert.ThrowsAsync<ResponseUnderWayElsewhereException>(() => RespondAsync("event-2", claimWait: TimeSpan.Zero));

        Assert.Same(_decision, Assert.Single(failure.Decisions));
        Assert.Equal([OwnGroup], EniGroups());
        Assert.Empty(_ec2.CallsOf("SetNetworkInterfaceGroups"));
        Assert.Contains("Delayed", Assert.Single(_notified).Subject, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Respond_ClaimLeftByADeadInvocation_CompletedAndReportedAsCompletingIt()
    {
        var died = DateTimeOffset.UtcNow - InMemoryResponseLedger.ClaimLifetime - TimeSpan.FromSeconds(1);
        _ledger.HeldElsewhere(_decision, died);

        var result = await RespondAsync("event-2");

        Assert.NotNull(result);
        Assert.DoesNotContain(OwnGroup, EniGroups());
        var instance = Assert.Single(result.Summary.Report.Instances);
        Assert.StartsWith("completed a response begun", instance.Reason, StringComparison.Ordinal);
        Assert.Equal("succeeded", _ledger.Of(_decision)!.Status);
    }

    [Fact]
    public async Task Respond_RepeatedDelivery_NotRedoneNotNotifiedAgain()
    {
        await RespondAsync("event-1");
        var callsAfterFirst = _ec2.Calls.Count;

        var repeated = await RespondAsync("event-1");

        // The lookup runs alongside the claim and only reads; nothing is changed.
        Assert.Null(repeated);
        Assert.All(_ec2.Calls.Skip(callsAfterFirst), c => Assert.Matches("^(Describe|Find)", c.Operation));
        Assert.Single(_notified);
    }

    [Fact]
    public async Task Respond_AnalystClicksAgainFromANewEvent_CheckedAgainAndNotedAsRepeated()
    {
        var click = _decision with { ByAnalyst = true };
        await RespondAsync("event-1", click);

        var again = await RespondAsync("event-2", click);

        Assert.NotNull(again);
        Assert.Contains("repeated request", Assert.Single(again.Summary.Findings).Summary, StringComparison.Ordinal);
        Assert.Equal(2, _notified.Count);
    }

    private async Task FinishElsewhereAsync(string outcome)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await _ledger.RecordAsync(_decision, new LedgerOutcome(outcome, "tr-other", null, DateTimeOffset.UtcNow), CancellationToken.None);
    }

    private List<string> EniGroups() => _ec2.Instances[WebInstanceId].Eni(Eni).GroupIds;

    private Task<ResponseResult?> RespondAsync(string eventId, FindingDecision? decision = null, TimeSpan? claimWait = null)
    {
        var engine = new ContainmentEngine(_ec2, new ContainmentOptions(), TimeProvider.System);
        var responder = new FindingResponder(engine, TestOutlets.Recording(_notified), TimeProvider.System, _ledger)
        {
            ClaimWait = claimWait ?? FindingResponder.DefaultClaimWait,
        };
        return responder.RespondAsync(new ResponseRequest(Trigger, [decision ?? _decision], Region, eventId), CancellationToken.None);
    }
}
