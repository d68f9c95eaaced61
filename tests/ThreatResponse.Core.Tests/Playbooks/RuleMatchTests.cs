using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Playbooks;

namespace ThreatResponse.Core.Tests.Playbooks;

public sealed class RuleMatchTests
{
    private static readonly Dictionary<string, string> NoTags = [];

    [Theory]
    [InlineData("Backdoor:EC2/*", "Backdoor:EC2/C&CActivity.B!DNS", true)]
    [InlineData("Backdoor:EC2/*", "Backdoor:EC2/DenialOfService.Tcp", true)]
    [InlineData("Backdoor:EC2/*", "Backdoor:EC2/", true)]
    [InlineData("Backdoor:EC2/*", "Backdoor:EC2", false)]
    [InlineData("Backdoor:EC2/*", "Backdoor:Runtime/C&CActivity.B", false)]
    [InlineData("Backdoor:EC2/*", "backdoor:ec2/C&CActivity.B", false)]
    [InlineData("Backdoor:EC2/*", "Trojan:EC2/Backdoor:EC2/X", false)]
    [InlineData("*:EC2/*", "Trojan:EC2/DNSDataExfiltration", true)]
    [InlineData("*:EC2/*", "Recon:IAMUser/MaliciousIPCaller", false)]
    [InlineData("Trojan:EC2/DropPoint?DNS", "Trojan:EC2/DropPoint!DNS", true)]
    [InlineData("Trojan:EC2/DropPoint?DNS", "Trojan:EC2/DropPointDNS", false)]
    [InlineData("Trojan:EC2/DropPoint?DNS", "Trojan:EC2/DropPoint!!DNS", false)]
    [InlineData("UnauthorizedAccess:EC2/TorRelay", "UnauthorizedAccess:EC2/TorRelay", true)]
    [InlineData("UnauthorizedAccess:EC2/TorRelay", "UnauthorizedAccess:EC2/TorRelayX", false)]
    [InlineData("UnauthorizedAccess:EC2/TorRelay", "XUnauthorizedAccess:EC2/TorRelay", false)]
    [InlineData("UnauthorizedAccess:EC2/TorRelay", "UnauthorizedAccess:EC2/TorClient", false)]
    [InlineData("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", true)]
    [InlineData("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "UnauthorizedAccess:EC2/MaliciousIPCallerXCustom", false)]
    [InlineData("Backdoor:EC2/C&CActivity.B!DNS", "Backdoor:EC2/C&CActivity.B!DNS", true)]
    [InlineData("Backdoor:EC2/C&CActivity.B!DNS", "Backdoor:EC2/C&CActivityXB!DNS", false)]
    [InlineData("Impact:EC2/(Bitcoin|Monero)+", "Impact:EC2/Bitcoin", false)]
    [InlineData("Impact:EC2/(Bitcoin|Monero)+", "Impact:EC2/(Bitcoin|Monero)+", true)]
    [InlineData("Impact:EC2/[A-Z]*", "Impact:EC2/WinRMBruteForce", false)]
    [InlineData("Impact:EC2/[A-Z]*", "Impact:EC2/[A-Z]Anything", true)]
    [InlineData("Impact:EC2/^x$", "Impact:EC2/^x$", true)]
    [InlineData("Impact:EC2/\\d", "Impact:EC2/1", false)]
    public void Matches_TypeGlob_MatchesWholeTypeLiterallyExceptStarAndQuestionMark(string glob, string type, bool expected)
    {
        var match = new RuleMatch(Types: [glob]);

        Assert.Equal(expected, match.Matches(TestFindings.Make(type: type), NoTags));
    }

    [Fact]
    public void Matches_SeveralTypes_MatchesWhenAnyDoes()
    {
        var match = new RuleMatch(Types: ["Trojan:EC2/*", "UnauthorizedAccess:EC2/TorRelay"]);

        Assert.True(match.Matches(TestFindings.Make(type: "UnauthorizedAccess:EC2/TorRelay"), NoTags));
        Assert.True(match.Matches(TestFindings.Make(type: "Trojan:EC2/BlackholeTraffic"), NoTags));
        Assert.False(match.Matches(TestFindings.Make(type: "Recon:EC2/Portscan"), NoTags));
    }

    [Theory]
    [InlineData(69, false)]
    [InlineData(70, true)]
    [InlineData(71, true)]
    [InlineData(100, true)]
    public void Matches_SeverityAtLeast_IsInclusiveOnTheZeroToTenScale(int normalized, bool expected)
    {
        var match = new RuleMatch(SeverityAtLeast: 7);

        Assert.Equal(expected, match.Matches(WithNormalized(normalized), NoTags));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(39, true)]
    [InlineData(40, false)]
    [InlineData(41, false)]
    public void Matches_SeverityBelow_IsExclusiveOnTheZeroToTenScale(int normalized, bool expected)
    {
        var match = new RuleMatch(SeverityBelow: 4);

        Assert.Equal(expected, match.Matches(WithNormalized(normalized), NoTags));
    }

    [Theory]
    [InlineData(54, false)]
    [InlineData(55, true)]
    [InlineData(84, true)]
    [InlineData(85, false)]
    public void Matches_FractionalBounds_UseNormalizedOverTen(int normalized, bool expected)
    {
        var match = new RuleMatch(SeverityAtLeast: 5.5, SeverityBelow: 8.5);

        Assert.Equal(expected, match.Matches(WithNormalized(normalized), NoTags));
    }

    [Fact]
    public void Matches_ResourceRole_MatchesOnlyThatRole()
    {
        var actor = new RuleMatch(ResourceRole: ResourceRole.Actor);

        Assert.True(actor.Matches(TestFindings.Make(role: ResourceRole.Actor), NoTags));
        Assert.False(actor.Matches(TestFindings.Make(role: ResourceRole.Target), NoTags));
        Assert.False(actor.Matches(TestFindings.Make(role: null), NoTags));
    }

    [Fact]
    public void Matches_Sample_MatchesOnlyThatFlag()
    {
        Assert.True(new RuleMatch(Sample: true).Matches(TestFindings.Make(sample: true), NoTags));
        Assert.False(new RuleMatch(Sample: true).Matches(TestFindings.Make(sample: false), NoTags));
        Assert.True(new RuleMatch(Sample: false).Matches(TestFindings.Make(sample: false), NoTags));
        Assert.False(new RuleMatch(Sample: false).Matches(TestFindings.Make(sample: true), NoTags));
    }

    [Fact]
    public void Matches_Accounts_MatchesAnyListedAccountExactly()
    {
        var match = new RuleMatch(Accounts: ["012345678910", "123456789012"]);

        Assert.True(match.Matches(TestFindings.Make(account: "123456789012"), NoTags));
        Assert.True(match.Matches(TestFindings.Make(account: "012345678910"), NoTags));
        Assert.False(match.Matches(TestFindings.Make(account: "210987654321"), NoTags));
    }

    [Theory]
    [InlineData("prod*", "production", true)]
    [InlineData("prod*", "prod", true)]
    [InlineData("prod*", "preprod", false)]
    [InlineData("prod*", "Production", false)]
    [InlineData("web-?", "web-1", true)]
    [InlineData("web-?", "web-12", false)]
    [InlineData("*", "", true)]
    [InlineData("a.b", "axb", false)]
    [InlineData("a.b", "a.b", true)]
    public void Matches_InstanceTagValueGlob_MatchesWholeValue(string glob, string value, bool expected)
    {
        var match = new RuleMatch(InstanceTags: new Dictionary<string, string> { ["Environment"] = glob });

        Assert.Equal(expected, match.Matches(TestFindings.Make(), new Dictionary<string, string> { ["Environment"] = value }));
    }

    [Fact]
    public void Matches_InstanceTags_RequiresEveryTagAndExactKeys()
    {
        var match = new RuleMatch(InstanceTags: new Dictionary<string, string> { ["Environment"] = "prod*", ["Team"] = "payments" });
        var finding = TestFindings.Make();

        Assert.True(match.Matches(finding, new Dictionary<string, string> { ["Environment"] = "production", ["Team"] = "payments", ["Name"] = "web-1" }));
        Assert.False(match.Matches(finding, new Dictionary<string, string> { ["Environment"] = "production" }));
        Assert.False(match.Matches(finding, new Dictionary<string, string> { ["environment"] = "production", ["Team"] = "payments" }));
        Assert.False(match.Matches(finding, NoTags));
    }

    [Fact]
    public void Matches_GlobWithManyStarsAgainstLongTagValue_AnswersInsteadOfTimingOut()
    {
        // Tag values are set by whoever can tag the instance; a backtracking glob would throw RegexMatchTimeoutException out of the decision.
        var glob = string.Concat(Enumerable.Repeat("*a", 12)) + "*b";
        var match = new RuleMatch(Types: [glob], InstanceTags: new Dictionary<string, string> { ["Name"] = glob });
        var longValue = new string('a', 256);

        Assert.False(match.Matches(TestFindings.Make(type: new string('a', 512)), NoTags));
        Assert.False(new RuleMatch(InstanceTags: match.InstanceTags).Matches(TestFindings.Make(), new Dictionary<string, string> { ["Name"] = longValue }));
        Assert.True(new RuleMatch(InstanceTags: match.InstanceTags).Matches(TestFindings.Make(), new Dictionary<string, string> { ["Name"] = longValue + "b" }));
    }

    [Fact]
    public void Matches_NoConditions_MatchesEverything()
    {
        Assert.True(RuleMatch.Everything.Matches(TestFindings.Make(sample: true, role: null, severity: 0), NoTags));
        Assert.True(RuleMatch.Everything.Matches(TestFindings.Make(type: "Anything", severity: 10), NoTags));
    }

    [Fact]
    public void Matches_AllConditions_AreAnded()
    {
        var match = new RuleMatch(
            Types: ["CryptoCurrency:EC2/*"],
            SeverityAtLeast: 4,
            SeverityBelow: 9,
            ResourceRole: ResourceRole.Target,
            Sample: false,
            Accounts: ["123456789012"],
            InstanceTags: new Dictionary<string, string> { ["Environment"] = "prod*" });
        var tags = new Dictionary<string, string> { ["Environment"] = "prod" };
        var matching = TestFindings.Make(type: "CryptoCurrency:EC2/BitcoinTool.B!DNS", severity: 5, role: ResourceRole.Target, sample: false, account: "123456789012");

        Assert.True(match.Matches(matching, tags));
        Assert.False(match.Matches(matching with { Type = "Trojan:EC2/BlackholeTraffic" }, tags));
        Assert.False(match.Matches(matching with { Severity = new Severity(SeverityLabel.Low, 39) }, tags));
        Assert.False(match.Matches(matching with { Severity = new Severity(SeverityLabel.Critical, 90) }, tags));
        Assert.False(match.Matches(matching with { ResourceRole = ResourceRole.Actor }, tags));
        Assert.False(match.Matches(matching with { Sample = true }, tags));
        Assert.False(match.Matches(matching with { Account = "210987654321" }, tags));
        Assert.False(match.Matches(matching, new Dictionary<string, string> { ["Environment"] = "dev" }));
    }

    private static Finding WithNormalized(int normalized) =>
        TestFindings.Make() with { Severity = new Severity(Severity.LabelOf(normalized), normalized) };
}
