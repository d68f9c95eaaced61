using System.Text.RegularExpressions;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Docs;

/// <summary>
/// The README stays a page a newcomer reads, and nothing in README.md or docs/ sends the reader nowhere: every relative
/// link reaches a file (and heading) that exists, and every repository path written in backticks names something that
/// is there, ARCHITECTURE.md's short project paths (<c>Core/Containment/…</c>) included. Paths with placeholders or
/// wildcards (<c>evidence/&lt;account&gt;/…</c>, <c>tests/ThreatResponse.*.Tests/</c>) are not paths of this repository
/// and are left alone.
/// </summary>
public sealed partial class DocumentationTests
{
    private const int ReadmeMaxLines = 250;

    [Fact]
    public void Readme_FitsOnAFewScreens_AtMost250Lines()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "README.md")).Length;

        Assert.True(lines <= ReadmeMaxLines, $"README.md has {lines} lines; at most {ReadmeMaxLines}: move detail into docs/.");
    }

    [Fact]
    public void Readme_StartsWithTheTwoCommands_DemoAndTestWithinItsFirst50Lines()
    {
        var first = string.Join('\n', File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "README.md")).Take(50));

        Assert.Contains("dotnet run --project src/ThreatResponse.Cli -- demo", first, StringComparison.Ordinal);
        Assert.Contains("dotnet test ThreatResponse.sln", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Documentation_IsReadmeAndEveryFileInDocs()
    {
        Assert.Contains(Documentation.Files, f => f.Path == "README.md");
        Assert.Contains(Documentation.Files, f => f.Path == "docs/ARCHITECTURE.md");
        Assert.True(Documentation.Files.Count >= 10, $"only {Documentation.Files.Count} documentation files");
    }

    [Fact]
    public void RelativeLinks_InReadmeAndDocs_ReachFilesAndHeadingsThatExist()
    {
        var problems = new List<string>();
        var links = 0;
        foreach (var file in Documentation.Files)
        {
            var prose = Documentation.WithoutCodeBlocks(file.Text);
            foreach (Match m in MarkdownLink().Matches(prose))
            {
                var target = m.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                links++;
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var pathPart = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var resolved = pathPart.Length == 0 ? file.Path : Resolve(file.Folder, pathPart);
                var full = Path.Combine(RepositoryRoot.Path, resolved);
                var where = $"{file.Path}:{file.LineOf(m.Index)}: ({target})";
                if (resolved.StartsWith("..", StringComparison.Ordinal) || (!File.Exists(full) && !Directory.Exists(full)))
                {
                    problems.Add($"{where} -> {resolved} does not exist");
                }
                else if (anchor is not null && !Documentation.HeadingAnchors(File.ReadAllText(full)).Contains(anchor))
                {
                    problems.Add($"{where} -> {resolved} has no heading with the anchor #{anchor}");
                }
            }
        }

        Assert.True(links >= 30, $"only {links} relative links found: is the link pattern still right?");
        Assert.Empty(problems);
    }

    [Fact]
    public void RepositoryPaths_InBackticksInReadmeAndDocs_Exist()
    {
        var problems = new List<string>();
        var paths = 0;
        foreach (var file in Documentation.Files)
        {
            var prose = Documentation.WithoutCodeBlocks(file.Text);
            foreach (Match m in BacktickedPath().Matches(prose))
            {
                var path = m.Groups["path"].Value;
                if (path.IndexOfAny(['<', '>', '*', '…', '{', '}', '$']) >= 0)
                {
                    continue;
                }

                paths++;
                var project = m.Groups["project"].Value;
                var full = Path.Combine(RepositoryRoot.Path, project.Length == 0 ? path.TrimEnd('/') : $"src/ThreatResponse.{project}/{path.TrimEnd('/')}");
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    problems.Add($"{file.Path}:{file.LineOf(m.Index)}: `{m.Value.Trim('`')}` does not exist");
                }
            }
        }

        Assert.True(paths >= 20, $"only {paths} repository paths found: is the path pattern still right?");
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("docs/b.md", "docs", "b.md")]
    [InlineData("README.md", "", "README.md")]
    [InlineData("BENCHMARKS.md", "docs", "../BENCHMARKS.md")]
    [InlineData("docs/configuration.md", "", "./docs/configuration.md")]
    [InlineData("../outside.md", "", "../outside.md")]
    public void Resolve_RelativeToTheLinkingFilesFolder(string expected, string folder, string link) =>
        Assert.Equal(expected, Resolve(folder, link));

    [Theory]
    [InlineData("## The new Security Hub (`Findings Imported V2`)", "the-new-security-hub-findings-imported-v2")]
    [InlineData("# Operator's runbook", "operators-runbook")]
    [InlineData("### Auto Scaling and load balancers", "auto-scaling-and-load-balancers")]
    public void HeadingAnchors_AsGitHubMakesThem(string heading, string anchor) =>
        Assert.Contains(anchor, Documentation.HeadingAnchors(heading));

    /// <summary>A link target from a file in <paramref name="folder"/>, as a path from the repository root.</summary>
    private static string Resolve(string folder, string link)
    {
        var parts = new List<string>(folder.Length == 0 ? [] : folder.Split('/'));
        foreach (var segment in link.Split('/'))
        {
            if (segment is "." or "")
            {
                continue;
            }

            if (segment == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(segment);
            }
        }

        return string.Join('/', parts);
    }

    [GeneratedRegex(@"(?<!\!)\[[^\]\n]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    /// <summary>
    /// A path from the repository root (<c>src/…</c>, <c>tests/…</c>, <c>templates/…</c>, <c>.github/…</c>…), or one inside a
    /// project written short as ARCHITECTURE.md does (<c>Core/Containment/…</c> for <c>src/ThreatResponse.Core/Containment/…</c>).
    /// </summary>
    [GeneratedRegex(@"`(?:(?<project>Core|Aws|Functions|Cli|LocalAws)/(?<path>[^`\s]+)|(?<path>(?:src|tests|templates|docs|events|evidence|benchmarks|fuzz|\.github|\.ci)/[^`\s]*))`")]
    private static partial Regex BacktickedPath();
}
