using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Tests.Containment.Sessions;

public sealed class SessionRevocationPolicyTests
{
    private static readonly DateTimeOffset CutOff = new(2026, 11, 29, 20, 8, 4, TimeSpan.Zero);

    [Fact]
    public void Document_CutOff_DeniesEverythingToSessionsIssuedBeforeIt()
    {
        using var json = JsonDocument.Parse(SessionRevocationPolicy.Document(CutOff));

        Assert.Equal("2012-10-17", json.RootElement.GetProperty("Version").GetString());
        var statement = Assert.Single(json.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal("Deny", statement.GetProperty("Effect").GetString());
        Assert.Equal("*", statement.GetProperty("Action").GetString());
        Assert.Equal("*", statement.GetProperty("Resource").GetString());
        Assert.Equal("2026-11-29T20:08:04Z", statement.GetProperty("Condition").GetProperty("DateLessThan").GetProperty("aws:TokenIssueTime").GetString());
    }

    [Fact]
    public void CutOffOf_OurDocument_ReadsItsCutOffBack()
    {
        Assert.Equal(CutOff, SessionRevocationPolicy.CutOffOf(SessionRevocationPolicy.Document(CutOff)));
    }

    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-29T20:08:04Z"}}}]}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-29T20:08:04Z"}}}]}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-29T20:08:04Z"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2024-05-01T10:00:00.000Z"}}}]}""")]
    [InlineData("""{"Version":"2012-10-17","Statement":[]}""")]
    [InlineData("not json")]
    public void CutOffOf_AnyOtherDocument_IsNotOursToRemove(string document)
    {
        Assert.Null(SessionRevocationPolicy.CutOffOf(document));
    }

    [Theory]
    [InlineData("2026-11-29T20:08:03.2500000+00:00", "2026-11-29T20:08:04Z")]
    [InlineData("2026-11-29T20:08:04.0000000+00:00", "2026-11-29T20:08:04Z")]
    [InlineData("2026-11-29T21:08:03.0000001+01:00", "2026-11-29T20:08:04Z")]
    public void CutOffAt_Now_TheNextWholeSecondInUtc(string now, string expected)
    {
        var cutOff = SessionRevocationPolicy.CutOffAt(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(expected, SessionRevocationPolicy.Format(cutOff));
    }

    [Fact]
    public void IsolationStateJson_WithRevokedSessions_RoundTripsAndOlderStatesLoadWithout()
    {
        var state = new PreIsolationState(
            new Dictionary<string, IReadOnlyList<string>> { ["eni-1"] = ["sg-1"] },
            "arn:aws:iam::123456789012:instance-profile/web",
            new MetadataOptionsState("enabled", "required", 2, "disabled", "disabled"),
            false,
            "stop",
            "finding-1",
            CutOff);
        var revoked = state with { RevokedSessions = new RevokedSessions("web", SessionRevocationPolicy.PolicyName, CutOff) };

        Assert.Equal(revoked.RevokedSessions, IsolationStateJson.Deserialize(IsolationStateJson.Serialize(revoked)).RevokedSessions);
        Assert.Null(IsolationStateJson.Deserialize(IsolationStateJson.Serialize(state)).RevokedSessions);
    }

    [Theory]
    [InlineData(new[] { ContainmentAction.Isolate, ContainmentAction.RevokeSessions }, false)]
    [InlineData(new[] { ContainmentAction.RevokeSessions, ContainmentAction.Isolate }, false)]
    [InlineData(new[] { ContainmentAction.RevokeSessions }, true)]
    [InlineData(new[] { ContainmentAction.Snapshot, ContainmentAction.RevokeSessions }, true)]
    [InlineData(new[] { ContainmentAction.Isolate }, false)]
    public void Conflict_RevokeSessionsWithoutIsolate_Refused(ContainmentAction[] actions, bool refused)
    {
        Assert.Equal(refused, ContainmentActionNames.Conflict(actions) is not null);
    }

    [Theory]
    [InlineData("revoke-sessions", ContainmentAction.RevokeSessions)]
    [InlineData("isolate", ContainmentAction.Isolate)]
    public void Names_RequestableAction_RoundTrips(string name, ContainmentAction action)
    {
        Assert.True(ContainmentActionNames.TryParseRequestable(name, out var parsed));
        Assert.Equal(action, parsed);
        Assert.Equal(name, ContainmentActionNames.Of(action));
        Assert.Equal($"\"{name}\"", JsonSerializer.Serialize(action));
    }

    [Theory]
    [InlineData("arn:aws:iam::123456789012:instance-profile/web", "web")]
    [InlineData("arn:aws-cn:iam::123456789012:instance-profile/tier/app/web-2", "web-2")]
    [InlineData("arn:aws:iam::210987654321:instance-profile/web", null)]
    [InlineData("arn:aws:iam::123456789012:role/web", null)]
    [InlineData("arn:aws:iam::123456789012:instance-profile/", null)]
    [InlineData("web", null)]
    public void TryProfileName_ProfileArn_NameOnlyForTheInstancesOwnAccount(string arn, string? expected)
    {
        var ok = ThreatResponse.Core.Containment.Credentials.RevokeSessionsStep.TryProfileName(arn, "123456789012", out var name);

        Assert.Equal(expected, ok ? name : null);
    }
}
