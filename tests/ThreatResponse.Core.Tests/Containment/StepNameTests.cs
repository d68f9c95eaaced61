using System.Text.RegularExpressions;
using ThreatResponse.Core.Containment;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>Step names are a closed set: one constant each, and no step is made from text.</summary>
public sealed partial class StepNameTests
{
    [Fact]
    public void All_NamesAreDistinctLowercaseWords()
    {
        Assert.NotEmpty(StepName.All);
        Assert.Equal(StepName.All.Count, StepName.All.Select(n => n.Text).Distinct(StringComparer.Ordinal).Count());
        Assert.All(StepName.All, n => Assert.Matches("^[a-z]+(-[a-z0-9]+)*$", n.Text));
    }

    [Fact]
    public void CoreSources_NoStepMadeOrComparedFromText()
    {
        var core = Path.Combine(RepositoryRoot.Path, "src", "ThreatResponse.Core");
        var offenders = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(core, f), Line: i + 1, Text: line)))
            .Where(l => StepFromText().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, "steps named by text instead of StepName:\n" + string.Join('\n', offenders));
    }

    // A StepResult built with a literal name, a step compared with a literal or by prefix.
    [GeneratedRegex("""new\s+StepResult\(\s*[\w.?]+,\s*"|new\((ContainmentAction\.\w+|null|action|_action|Isolate|Release|Collect|Snapshot|Stop|Revoke),\s*"|Step:\s*"|\.Step\s*==\s*"|\.Step\.StartsWith""")]
    private static partial Regex StepFromText();
}
