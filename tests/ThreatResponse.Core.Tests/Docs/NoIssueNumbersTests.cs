using System.Text.RegularExpressions;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Docs;

/// <summary>
/// Code, tests and benchmarks say what they mean, not which tracker entry asked for them: an issue number tells a reader
/// nothing without the tracker and goes stale when the work moves on. The word issue followed by a number (any case,
/// with or without #) in a C# file under src/, tests/, benchmarks/ or fuzz/ fails this test, naming the file and line.
/// The examples below are split in two literals so that this file passes its own scan.
/// </summary>
public sealed partial class NoIssueNumbersTests
{
    private static readonly string[] Folders = ["src", "tests", "benchmarks", "fuzz"];

    [Fact]
    public void Sources_NoCSharpFile_NamesAnIssueByNumber()
    {
        var files = Folders
            .Select(folder => Path.Combine(RepositoryRoot.Path, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            .Where(f => !IsBuildOutput(f))
            .ToList();
        Assert.True(files.Count >= 100, $"only {files.Count} C# files found under {string.Join(", ", Folders)}: the scan looks in the wrong place");

        var found = files
            .SelectMany(f => File.ReadLines(f).Select((line, index) => (File: f, Line: index + 1, Text: line)))
            .Where(l => IssueNumber().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(RepositoryRoot.Path, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(found.Count == 0, $"issue numbers in code (say what is meant instead):{Environment.NewLine}{string.Join(Environment.NewLine, found)}");
    }

    [Theory]
    [InlineData("// as issue " + "18 asked", true)]
    [InlineData("/// Issue " + "20: throttling", true)]
    [InlineData("(see ISSUE " + "#7)", true)]
    [InlineData("issues " + "3 and 4", true)]
    [InlineData("no issue with 3 retries", false)]
    [InlineData("tissue " + "12", false)]
    public void IssueNumber_Pattern_MatchesAReferenceByNumberOnly(string text, bool matches) =>
        Assert.Equal(matches, IssueNumber().IsMatch(text));

    private static bool IsBuildOutput(string file)
    {
        var separator = Path.DirectorySeparatorChar;
        return file.Contains($"{separator}obj{separator}", StringComparison.Ordinal) || file.Contains($"{separator}bin{separator}", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\bissues?\s*#?\s*\d+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IssueNumber();
}
