using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using static ThreatResponse.Core.Tests.Notifications.Responses;

namespace ThreatResponse.Core.Tests.Notifications;

/// <summary>A revocation reaches every instance of the role, not only the contained one: every body says so.</summary>
public sealed class RevokedSessionsWarningTests
{
    private const string Role = "web-server";

    private static ResponseSummary Revoked(StepOutcome outcome = StepOutcome.Succeeded)
    {
        var finding = GuardDuty(type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS");
        var steps = IsolateAndSnapshotSteps(outcome)
            .Append(Step(ContainmentAction.RevokeSessions, "revoke-sessions", Role, outcome, "inline policy ThreatResponse-RevokeSessions on arn:aws:iam::123456789012:role/web-server"))
            .ToList();
        var result = Result(finding.Instances[0], "web-1", steps);
        return ResponseSummary.Create(Trigger, [finding], Report([result], [ContainmentAction.Isolate, ContainmentAction.RevokeSessions], dryRun: outcome == StepOutcome.DryRun, findingId: finding.Id));
    }

    [Fact]
    public void Compose_SessionsRevoked_EveryBodyWarnsThatEveryInstanceOfTheRoleLosesItsCredentials()
    {
        var notification = NotificationComposer.Compose(Revoked(), _ => true);

        const string Warning = "every instance using that role loses the credentials it holds now until they refresh";
        Assert.Contains($"WARNING\n  Sessions of role {Role} issued before the revocation are denied (for {WebInstanceId}): {Warning}", notification.Text, StringComparison.Ordinal);
        using var chat = JsonDocument.Parse(notification.Chat);
        Assert.Contains(Warning, chat.RootElement.GetProperty("content").GetProperty("nextSteps")[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("[ThreatResponse] Isolated+revoked-sessions " + WebInstanceId, notification.Subject, StringComparison.Ordinal);
        Assert.Contains("revoke-sessions", notification.Attributes["actions"]);
    }

    [Fact]
    public void Compose_DryRun_SaysTheSessionsWouldBeDenied()
    {
        var notification = NotificationComposer.Compose(Revoked(StepOutcome.DryRun), _ => true);

        Assert.Contains($"Sessions of role {Role} issued before the revocation would be denied", notification.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_RevocationSkipped_NoWarning()
    {
        var notification = NotificationComposer.Compose(Revoked(StepOutcome.Skipped), _ => true);

        Assert.DoesNotContain("WARNING", notification.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void FindingNote_SessionsRevoked_WarnsBeforeTheSummary()
    {
        var update = Assert.Single(FindingUpdateComposer.Compose(Revoked(), Region, new FindingUpdateOptions()));

        Assert.Contains($"isolate+revoke-sessions succeeded. Sessions of role {Role} were revoked: every instance using it loses its current credentials until they refresh.", update.Note, StringComparison.Ordinal);
        Assert.Equal("isolate+revoke-sessions", update.UserDefinedFields["ThreatResponseActions"]);
    }
}
