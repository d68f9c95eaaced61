using System.Text.RegularExpressions;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// The counts a reader takes from the documentation — Lambda functions, Security Hub custom actions, EventBridge rules —
/// are the template's. Each is written in one wording, digits first ("8 Lambda functions", "6 Security Hub custom
/// actions", "9 EventBridge rules"), code blocks included (a YAML key such as <c>rules:</c> is not a count), and counts
/// every resource the translated template.yaml declares, conditional ones included. Any other way of writing such a count ("five handlers", "four
/// custom actions") is refused, so a count cannot drift in a phrasing this test does not read.
/// </summary>
public sealed partial class DocumentedCountsTests
{
    public static TheoryData<string, string> Counts => new()
    {
        { "Lambda functions", "AWS::Lambda::Function" },
        { "Security Hub custom actions", "AWS::SecurityHub::ActionTarget" },
        { "EventBridge rules", "AWS::Events::Rule" },
    };

    [Theory]
    [MemberData(nameof(Counts))]
    public async Task Documentation_EveryCountOf_EqualsTheTranslatedTemplates(string noun, string resourceType)
    {
        var inTemplate = (await SamTemplate.ResourcesAsync(resourceType)).Count;
        var stated = Documentation.Files
            .SelectMany(f => Regex.Matches(f.Text, $@"\b(?<n>\d+)\s+{Regex.Escape(noun).Replace(@"\ ", @"\s+", StringComparison.Ordinal)}\b(?!:)")
                .Select(m => (Where: $"{f.Path}:{f.LineOf(m.Index)}", N: int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture))))
            .ToList();

        Assert.True(inTemplate > 0, $"template.yaml declares no {resourceType}");
        Assert.Contains(stated, s => s.Where.StartsWith("README.md:", StringComparison.Ordinal));
        Assert.All(stated, s => Assert.True(s.N == inTemplate, $"{s.Where}: \"{s.N} {noun}\", but template.yaml declares {inTemplate} {resourceType}"));
    }

    [Fact]
    public void Documentation_CountsOfFunctionsActionsRules_OnlyInTheCheckedWording()
    {
        var problems = Documentation.Files
            .SelectMany(f => AnyCount().Matches(f.Text)
                .Where(m => !CheckedWording().IsMatch(m.Value))
                .Select(m => $"{f.Path}:{f.LineOf(m.Index)}: \"{Regex.Replace(m.Value, @"\s+", " ")}\" (write \"<digits> Lambda functions\", \"<digits> Security Hub custom actions\" or \"<digits> EventBridge rules\")"))
            .ToList();

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("the five Lambda handlers", false)]
    [InlineData("four Security Hub custom actions", false)]
    [InlineData("the 5 handlers", false)]
    [InlineData("nine rules", false)]
    [InlineData("8 Lambda functions' handlers", true)]
    [InlineData("6 Security Hub\ncustom actions", true)]
    [InlineData("9 EventBridge rules", true)]
    [InlineData("one function per custom action", true)]
    [InlineData("version: 1\nrules:", true)]
    public void Wording_CountsOnlyInTheCheckedFormPass(string text, bool passes) =>
        Assert.Equal(passes, AnyCount().Matches(text).All(m => CheckedWording().IsMatch(m.Value)));

    /// <summary>A number, in digits or words, counting functions, handlers, entry points, custom actions or rules.</summary>
    [GeneratedRegex(@"\b(\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(Lambda\s+|Security\s+Hub\s+|EventBridge\s+)?(functions|handlers|entry\s+points|custom\s+actions|rules)\b(?!:)", RegexOptions.IgnoreCase)]
    private static partial Regex AnyCount();

    [GeneratedRegex(@"^\d+\s+(Lambda\s+functions|Security\s+Hub\s+custom\s+actions|EventBridge\s+rules)$")]
    private static partial Regex CheckedWording();
}
