using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Tests.Containment;

public sealed class IsolationStateJsonMembershipTests
{
    private static readonly PreIsolationState Base = new(
        new Dictionary<string, IReadOnlyList<string>> { ["eni-1"] = ["sg-1"] },
        null,
        new MetadataOptionsState("enabled", "required", 2, "disabled", "disabled"),
        false,
        "stop",
        "finding-1",
        DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Serialize_WithGroupAndTargetGroups_RoundTrips()
    {
        var state = Base with
        {
            AutoScalingGroup = new AutoScalingGroupState("web", AutoScalingRemoval.Standby, WasProtected: false),
            TargetGroups = [new TargetGroupMembership("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1", 8080)],
        };

        var decoded = IsolationStateJson.Deserialize(IsolationStateJson.Serialize(state));

        Assert.Equal(state.AutoScalingGroup, decoded.AutoScalingGroup);
        Assert.Equal(state.TargetGroups, decoded.TargetGroups);
    }

    [Fact]
    public void Deserialize_StateSavedBeforeMembership_LoadsWithoutIt()
    {
        var json = IsolationStateJson.Serialize(Base);

        var decoded = IsolationStateJson.Deserialize(json);

        Assert.DoesNotContain("\"a\"", json, StringComparison.Ordinal);
        Assert.Null(decoded.AutoScalingGroup);
        Assert.Null(decoded.TargetGroups);
        Assert.Equal("finding-1", decoded.FindingId);
    }
}
