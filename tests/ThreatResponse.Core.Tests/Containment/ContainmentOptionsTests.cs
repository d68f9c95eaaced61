using ThreatResponse.Core.Settings;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Core.Tests.Containment;

public sealed class ContainmentOptionsTests
{
    [Fact]
    public void Read_NothingSet_DefaultExemptTagAndAnyAccount()
    {
        var options = Read(_ => null);

        Assert.Equal("ThreatResponse:Exempt", options.ExemptTagKey);
        Assert.Empty(options.AllowedAccounts);
    }

    [Fact]
    public void Read_ExemptTagKeySet_OverridesDefault()
    {
        var options = Read(Environment(("EXEMPT_TAG_KEY", " ThreatResponse:SecurityExempt ")));

        Assert.Equal("ThreatResponse:SecurityExempt", options.ExemptTagKey);
    }

    /// <summary>Only keys under the prefix the tag-protection SCP covers: any other key, whoever may tag the instance could set.</summary>
    [Theory]
    [InlineData("SecurityExempt")]
    [InlineData("threatresponse:Exempt")] // tag keys are case-sensitive, and so is the SCP's StringLike
    [InlineData("Exempt:ThreatResponse:")]
    [InlineData("ThreatResponse:")]
    public void Read_ExemptTagKeyOutsideTheProtectedPrefix_RefusedSayingWhy(string value)
    {
        var error = Assert.Throws<InvalidSettingsException>(() => Read(Environment(("EXEMPT_TAG_KEY", value))));

        Assert.StartsWith($"EXEMPT_TAG_KEY='{value}' is not allowed: a tag key starting with ThreatResponse: (at most 128 characters)", Assert.Single(error.Problems), StringComparison.Ordinal);
        Assert.Contains("templates/protect-tags-scp.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_ExemptTagKeyBlank_KeepsDefault(string value)
    {
        var options = Read(Environment(("EXEMPT_TAG_KEY", value)));

        Assert.Equal("ThreatResponse:Exempt", options.ExemptTagKey);
    }

    [Fact]
    public void Read_AllowedAccountsEmpty_EmptySet()
    {
        var options = Read(Environment(("ALLOWED_ACCOUNTS", "")));

        Assert.Empty(options.AllowedAccounts);
    }

    [Fact]
    public void Read_AllowedAccountsWithSpacesAndTrailingComma_TwoTrimmedEntries()
    {
        var options = Read(Environment(("ALLOWED_ACCOUNTS", " 111122223333, 444455556666 ,")));

        Assert.Equal(["111122223333", "444455556666"], options.AllowedAccounts.Order(StringComparer.Ordinal));
        Assert.Contains("111122223333", options.AllowedAccounts);
        Assert.DoesNotContain(" 111122223333", options.AllowedAccounts);
    }

    private static ContainmentOptions Read(Func<string, string?> environment) => DeploymentSettings.Read(environment).Containment;

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();
}
