using System.Text.RegularExpressions;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Docs;

/// <summary>
/// docs/THREAT-MODEL.md claims only what a test shows: every row of its tables names at least one test, and every test
/// it names (<c>Class.Method</c>, or a whole <c>Class</c>) exists in the test projects' sources. That the named tests pass
/// is the suite's own job.
/// </summary>
public sealed partial class ThreatModelTests
{
    private static readonly string[] TestSources = [.. Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "tests"), "*.cs", SearchOption.AllDirectories)
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .Select(File.ReadAllText)];

    [Fact]
    public void ThreatModel_EveryRow_NamesTestsThatExist()
    {
        var rows = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "THREAT-MODEL.md"))
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| They can", StringComparison.Ordinal))
            .ToList();
        Assert.True(rows.Count >= 20, $"only {rows.Count} rows");

        var problems = new List<string>();
        foreach (var row in rows)
        {
            var shownBy = row.TrimEnd().TrimEnd('|').Split('|').Last();
            var names = TestName().Matches(shownBy).Select(m => m.Groups["name"].Value).ToList();
            if (names.Count == 0)
            {
                problems.Add($"names no test: {row[..Math.Min(80, row.Length)]}");
            }

            problems.AddRange(names.Where(n => !Exists(n)).Select(n => $"no such test: {n}"));
        }

        Assert.Empty(problems);
    }

    private static bool Exists(string name)
    {
        var parts = name.Split('.');
        var type = parts[0];
        var declared = TestSources.Where(s => Regex.IsMatch(s, $@"\b(class|record)\s+{Regex.Escape(type)}\b")).ToList();
        return declared.Count > 0 && (parts.Length == 1 || declared.Any(s => Regex.IsMatch(s, $@"\b{Regex.Escape(parts[1])}\s*\(")));
    }

    [GeneratedRegex(@"`(?<name>[A-Z][A-Za-z0-9]*Tests(\.[A-Za-z0-9_]+)?)`")]
    private static partial Regex TestName();
}
