using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Tests.Containment;

public sealed class IsolationStateTagsTests
{
    private const string LongProfileArn = "arn:aws:iam::123456789012:instance-profile/a/very/long/path/for/the/web/tier/of/the/payments/service/in/production/web-tier-instance-profile";

    [Fact]
    public void Encode_FiveEnisOfSixteenGroups_SplitsIntoNumberedPartsThatDecodeToTheSameState()
    {
        var state = State(LongProfileArn);

        var tags = IsolationStateTags.Encode(state);

        Assert.True(tags.Count > 1, $"expected several parts, got {tags.Count}");
        Assert.Equal(Enumerable.Range(1, tags.Count).Select(n => $"ThreatResponse:State:{n}").ToHashSet(), tags.Keys.ToHashSet());
        Assert.All(tags.Values, v => Assert.InRange(v.Length, 1, 256));
        Assert.All(tags.Keys, k => Assert.True(IsolationStateTags.IsStateKey(k)));
        AssertSameState(state, IsolationStateTags.Decode(tags));
    }

    [Fact]
    public void Encode_NonAsciiProfileArn_SurvivesAndNoPartSplitsASurrogatePair()
    {
        // Enough emoji that, were they not escaped, part boundaries would fall inside them.
        var profile = "arn:aws:iam::123456789012:instance-profile/équipe-" + string.Concat(Enumerable.Repeat("🔒", 300)) + "-Ω";
        var state = State(profile);

        var tags = IsolationStateTags.Encode(state);

        Assert.All(tags.Values, v =>
        {
            Assert.InRange(v.Length, 1, 256);
            Assert.False(char.IsLowSurrogate(v[0]), "a part starts with a low surrogate");
            Assert.False(char.IsHighSurrogate(v[^1]), "a part ends with a high surrogate");
        });
        var decoded = IsolationStateTags.Decode(tags);
        Assert.Equal(profile, decoded?.ProfileArn);
        AssertSameState(state, decoded);
    }

    [Fact]
    public void Decode_MiddlePartMissing_ThrowsFormatExceptionNamingTheParts()
    {
        var tags = IsolationStateTags.Encode(State(LongProfileArn));
        Assert.True(tags.Count >= 3);
        tags.Remove("ThreatResponse:State:2");

        var e = Assert.Throws<FormatException>(() => IsolationStateTags.Decode(tags));

        Assert.Contains("state parts 1,3,", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NoStateTags_ReturnsNull()
    {
        var tags = new Dictionary<string, string> { ["Name"] = "web-1", [QuarantineTags.Status] = QuarantineTags.StatusIsolated };

        Assert.Null(IsolationStateTags.Decode(tags));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"v\":1,\"f\":\"f\"")]
    [InlineData("{\"v\":2,\"f\":\"f\",\"t\":\"2025-01-01T00:00:00Z\",\"g\":{},\"m\":[\"enabled\",\"optional\",\"1\",\"disabled\",\"disabled\"],\"tp\":false,\"s\":\"stop\"}")]
    [InlineData("{\"v\":1,\"f\":\"f\",\"t\":\"2025-01-01T00:00:00Z\",\"g\":{},\"m\":[\"enabled\",\"optional\",\"x\",\"disabled\",\"disabled\"],\"tp\":false,\"s\":\"stop\"}")]
    public void Decode_UnreadableState_ThrowsFormatException(string json)
    {
        var tags = new Dictionary<string, string> { ["ThreatResponse:State:1"] = json };

        Assert.Throws<FormatException>(() => IsolationStateTags.Decode(tags));
    }

    [Fact]
    public void Decode_PartKeyNotANumber_ThrowsFormatException()
    {
        var tags = IsolationStateTags.Encode(State(null));
        tags["ThreatResponse:State:x"] = "{}";

        var e = Assert.Throws<FormatException>(() => IsolationStateTags.Decode(tags));

        Assert.Contains("ThreatResponse:State:x", e.Message, StringComparison.Ordinal);
    }

    private static PreIsolationState State(string? profileArn)
    {
        var groups = Enumerable.Range(0, 5).ToDictionary(
            eni => $"eni-0a1b2c3d4e5f6070{eni}",
            eni => (IReadOnlyList<string>)[.. Enumerable.Range(0, 16).Select(g => $"sg-0123456789abcd{eni}{g:x2}")],
            StringComparer.Ordinal);
        return new PreIsolationState(
            groups,
            profileArn,
            new MetadataOptionsState("enabled", "required", 2, "enabled", "disabled"),
            TerminationProtection: false,
            "terminate",
            "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/f1",
            new DateTimeOffset(2025, 6, 1, 12, 30, 45, 123, TimeSpan.Zero));
    }

    private static void AssertSameState(PreIsolationState expected, PreIsolationState? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GroupsByNetworkInterface.Keys.Order(StringComparer.Ordinal), actual.GroupsByNetworkInterface.Keys.Order(StringComparer.Ordinal));
        foreach (var (eni, groups) in expected.GroupsByNetworkInterface)
        {
            Assert.Equal(groups, actual.GroupsByNetworkInterface[eni]);
        }

        Assert.Equal(expected.ProfileArn, actual.ProfileArn);
        Assert.Equal(expected.MetadataOptions, actual.MetadataOptions);
        Assert.Equal(expected.TerminationProtection, actual.TerminationProtection);
        Assert.Equal(expected.ShutdownBehavior, actual.ShutdownBehavior);
        Assert.Equal(expected.FindingId, actual.FindingId);
        Assert.Equal(expected.SavedAt, actual.SavedAt);
        Assert.Equal(expected.SavedAt.Offset, actual.SavedAt.Offset);
    }
}
