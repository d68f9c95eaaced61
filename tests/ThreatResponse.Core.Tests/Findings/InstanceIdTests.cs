using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Tests.Findings;

public sealed class InstanceIdTests
{
    [Theory]
    [InlineData("i-01234567")]
    [InlineData("i-abcdef01")]
    [InlineData("i-0123456789abcdef0")]
    [InlineData("i-081de1d7604b11e4a")]
    public void TryParse_WellFormedId_ReturnsIt(string text)
    {
        Assert.True(InstanceId.TryParse(text, out var id));
        Assert.Equal(text, id.Value.Value);
        Assert.Equal(text, id.Value.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("i-")]
    [InlineData("i-XYZ")]
    [InlineData("i-0123")]
    [InlineData("i-0123456")]
    [InlineData("i-012345678")]
    [InlineData("i-0123456789abcdef")]
    [InlineData("i-0123456789abcdef01")]
    [InlineData("i-0123456789ABCDEF0")]
    [InlineData("I-01234567")]
    [InlineData("i_01234567")]
    [InlineData("x-01234567")]
    [InlineData("i-0123456g")]
    [InlineData(" i-0123456")]
    [InlineData("i-0123456 ")]
    [InlineData("i-０１２３４５６７")]
    [InlineData("i-0123\u200B4567")]
    [InlineData("i-01234567\n")]
    [InlineData("i-99999999; rm -rf")]
    [InlineData("arn:aws:ec2:us-east-1:123456789012:instance/i-01234567")]
    public void TryParse_MalformedId_ReturnsFalse(string? text)
    {
        Assert.False(InstanceId.TryParse(text, out var id));
        Assert.Null(id);
    }

    [Fact]
    public void Parse_MalformedId_ThrowsFormatException()
    {
        var e = Assert.Throws<FormatException>(() => InstanceId.Parse("i-XYZ"));

        Assert.Contains("'i-XYZ'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameText_IsEqual()
    {
        Assert.Equal(InstanceId.Parse("i-0123456789abcdef0"), InstanceId.Parse("i-0123456789abcdef0"));
        Assert.NotEqual(InstanceId.Parse("i-0123456789abcdef0"), InstanceId.Parse("i-0123456789abcdef1"));
    }
}
