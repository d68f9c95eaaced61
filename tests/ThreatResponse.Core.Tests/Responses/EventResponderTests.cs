using System.Text;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Tests.Containment;
using ThreatResponse.Testing.Corpus;
using static ThreatResponse.Core.Tests.Notifications.Responses;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Tests.Responses;

/// <summary>The use case in one call, against the in-memory EC2 and ledger: a refused event changes nothing; an accepted one is contained once.</summary>
public sealed class EventResponderTests
{
    private readonly FakeInstanceContainment _ec2 = new();
    private readonly List<Notification> _notified = [];

    public EventResponderTests() => _ec2.AddInstance(WebInstanceId, (Eni, "vpc-1", ["sg-web"]));

    [Fact]
    public async Task Respond_MalformedEvent_RefusedWithWhereAndNothingCalled()
    {
        var response = await RespondAsync("""{"version":"0","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":[]}""");

        Assert.StartsWith("event rejected, nothing was done:", response.RefusedBecause, StringComparison.Ordinal);
        Assert.Contains("$.", response.RefusedBecause, StringComparison.Ordinal);
        Assert.Empty(_ec2.Calls);
        Assert.Empty(_notified);
    }

    [Fact]
    public async Task Respond_GuardDutyFindingEnforced_IsolatedOnceAndRepeatedDeliverySilent()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "events", "guardduty-backdoor-c2-web-instance.json"));
        var ledger = new InMemoryResponseLedger();

        var first = await RespondAsync(json, ledger);
        var again = await RespondAsync(json, ledger);

        Assert.Null(first.RefusedBecause);
        Assert.NotNull(first.Result);
        Assert.DoesNotContain("sg-web", _ec2.Instances[WebInstanceId].Eni(Eni).GroupIds);
        Assert.Null(again.Result);
        Assert.Single(_notified);
    }

    private async Task<EventResponse> RespondAsync(string json, IResponseLedger? ledger = null)
    {
        var engine = new ContainmentEngine(_ec2, new ContainmentOptions(), TimeProvider.System);
        var outlets = TestOutlets.Recording(_notified);
        var responder = new EventResponder(new FindingResponder(engine, outlets, TimeProvider.System, ledger));
        var policy = new PlaybookPolicy(_ => Task.FromResult(new LoadedPlaybook(Playbook.Default, "the default playbook", null)), ResponseMode.Enforce);
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return await responder.RespondAsync(input, policy, Trigger, deadline: null, CancellationToken.None);
    }
}
