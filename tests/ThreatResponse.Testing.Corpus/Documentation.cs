using System.Text.RegularExpressions;

namespace ThreatResponse.Testing.Corpus;

/// <summary>
/// The documentation a reader follows: README.md and every Markdown file in docs/, each by its path from the repository
/// root, with its fenced code blocks blanked (their lines kept, so line numbers still match) for checks that read prose.
/// </summary>
public static partial class Documentation
{
    public static IReadOnlyList<DocumentationFile> Files { get; } = Load();

    private static List<DocumentationFile> Load()
    {
        var paths = new List<string> { "README.md" };
        paths.AddRange(Directory.EnumerateFiles(System.IO.Path.Combine(RepositoryRoot.Path, "docs"), "*.md")
            .Select(p => "docs/" + System.IO.Path.GetFileName(p))
            .Order(StringComparer.Ordinal));
        return [.. paths.Select(p => new DocumentationFile(p, File.ReadAllText(System.IO.Path.Combine(RepositoryRoot.Path, p))))];
    }

    /// <summary>The text with every fenced code block's lines made empty.</summary>
    public static string WithoutCodeBlocks(string text)
    {
        var lines = text.Split('\n');
        var inFence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal);
            if (fence || inFence)
            {
                lines[i] = "";
            }

            if (fence)
            {
                inFence = !inFence;
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// The anchors GitHub gives a file's headings: lower case, punctuation dropped (hyphens and underscores kept),
    /// spaces made hyphens.
    /// </summary>
    public static IReadOnlySet<string> HeadingAnchors(string text) =>
        WithoutCodeBlocks(text).Split('\n')
            .Select(l => HeadingLine().Match(l))
            .Where(m => m.Success)
            .Select(m => Slug(m.Groups["title"].Value))
            .ToHashSet(StringComparer.Ordinal);

    private static string Slug(string title) =>
        new string([.. title.Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')]).Replace(' ', '-');

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*$")]
    private static partial Regex HeadingLine();
}

/// <summary>One documentation file: its path from the repository root (forward slashes) and its text.</summary>
public sealed record DocumentationFile(string Path, string Text)
{
    /// <summary>The folder its relative links start from, from the repository root ("" for the root).</summary>
    public string Folder => Path.Contains('/', StringComparison.Ordinal) ? Path[..Path.LastIndexOf('/')] : "";

    /// <summary>The 1-based line of a character offset, for messages.</summary>
    public int LineOf(int offset) => Text.AsSpan(0, offset).Count('\n') + 1;
}
