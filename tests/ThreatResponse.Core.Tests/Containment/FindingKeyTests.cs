using System.Text.RegularExpressions;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Core.Tests.Containment;

public sealed partial class FindingKeyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(256)]
    public void Of_AtMost256Characters_ReturnsIdAsIs(int length)
    {
        var id = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/" + new string('f', length);
        id = id[^length..];

        Assert.Equal(id, FindingKey.Of(id));
    }

    [Theory]
    [InlineData(257)]
    [InlineData(512)]
    public void Of_LongerThan256Characters_ReturnsSha256OfId(int length)
    {
        var key = FindingKey.Of(new string('x', length));

        Assert.Matches(Sha256Key(), key);
        Assert.Equal(7 + 64, key.Length);
    }

    [Fact]
    public void Of_LongId_IsStableAndKnownHash()
    {
        var id = new string('a', 257);

        var key = FindingKey.Of(id);

        // sha256 of 257 'a' characters, as `sha256sum` gives it.
        Assert.Equal("sha256:e8d95cc2b4bc198c54b40bd214df958afb65f5e73d2c2eafe0593cf5c635c1f0", key);
        Assert.Equal(key, FindingKey.Of(new string('a', 257)));
        Assert.NotEqual(key, FindingKey.Of(new string('a', 256) + "b"));
    }

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Sha256Key();
}
