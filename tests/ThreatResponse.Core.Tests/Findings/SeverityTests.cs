using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Tests.Findings;

public sealed class SeverityTests
{
    [Theory]
    [InlineData(0.0, SeverityLabel.Informational, 0)]
    [InlineData(0.9, SeverityLabel.Informational, 9)]
    [InlineData(1.0, SeverityLabel.Low, 10)]
    [InlineData(2.0, SeverityLabel.Low, 20)]
    [InlineData(3.9, SeverityLabel.Low, 39)]
    [InlineData(3.95, SeverityLabel.Low, 39)]
    [InlineData(4.0, SeverityLabel.Medium, 40)]
    [InlineData(5.5, SeverityLabel.Medium, 55)]
    [InlineData(6.9, SeverityLabel.Medium, 69)]
    [InlineData(7.0, SeverityLabel.High, 70)]
    [InlineData(8.0, SeverityLabel.High, 80)]
    [InlineData(8.9, SeverityLabel.High, 89)]
    [InlineData(9.0, SeverityLabel.Critical, 90)]
    [InlineData(9.9, SeverityLabel.Critical, 99)]
    [InlineData(10.0, SeverityLabel.Critical, 100)]
    public void FromGuardDutyScore_BandEdges_MapToGuardDutysBands(double score, SeverityLabel label, int normalized)
    {
        Assert.Equal(new Severity(label, normalized), Severity.FromGuardDutyScore(score));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(-1.0)]
    [InlineData(10.01)]
    [InlineData(11.0)]
    public void FromGuardDutyScore_OutsideZeroToTen_Throws(double score)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Severity.FromGuardDutyScore(score));
    }

    [Theory]
    [InlineData(-5, SeverityLabel.Informational)]
    [InlineData(0, SeverityLabel.Informational)]
    [InlineData(1, SeverityLabel.Low)]
    [InlineData(39, SeverityLabel.Low)]
    [InlineData(40, SeverityLabel.Medium)]
    [InlineData(69, SeverityLabel.Medium)]
    [InlineData(70, SeverityLabel.High)]
    [InlineData(89, SeverityLabel.High)]
    [InlineData(90, SeverityLabel.Critical)]
    [InlineData(100, SeverityLabel.Critical)]
    public void LabelOf_Normalized_FollowsAsffBands(int normalized, SeverityLabel expected)
    {
        Assert.Equal(expected, Severity.LabelOf(normalized));
    }

    [Theory]
    [InlineData(SeverityLabel.Informational, 0)]
    [InlineData(SeverityLabel.Low, 1)]
    [InlineData(SeverityLabel.Medium, 40)]
    [InlineData(SeverityLabel.High, 70)]
    [InlineData(SeverityLabel.Critical, 90)]
    public void NormalizedOf_Label_IsSecurityHubsScoreForIt(SeverityLabel label, int expected)
    {
        Assert.Equal(expected, Severity.NormalizedOf(label));
    }

    [Fact]
    public void NormalizedOf_EveryLabel_MapsBackToTheSameLabel()
    {
        foreach (var label in Enum.GetValues<SeverityLabel>())
        {
            Assert.Equal(label, Severity.LabelOf(Severity.NormalizedOf(label)));
        }
    }

    [Fact]
    public void SeverityLabel_Order_IsLeastToMostSevere()
    {
        Assert.True(SeverityLabel.Informational < SeverityLabel.Low);
        Assert.True(SeverityLabel.Low < SeverityLabel.Medium);
        Assert.True(SeverityLabel.Medium < SeverityLabel.High);
        Assert.True(SeverityLabel.High < SeverityLabel.Critical);
    }
}
