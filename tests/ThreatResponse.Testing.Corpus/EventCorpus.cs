using System.Text.RegularExpressions;

namespace ThreatResponse.Testing.Corpus;

/// <summary>
/// The repository's corpus of real published events (<c>tests/events</c>, provenance in its SOURCES.md). Every file is a
/// test case; nothing outside the repository is read, except by the drift check (<see cref="WorkspaceCorpus"/>).
/// </summary>
public static partial class EventCorpus
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot.Path, "tests", "events");

    /// <summary>Every event file, as a path relative to <see cref="Directory"/> with forward slashes (e.g. <c>guardduty/x.json</c>).</summary>
    public static IReadOnlyList<string> All() => Files(Directory);

    public static string PathOf(string relativePath) => Path.Combine(Directory, relativePath);

    /// <summary>
    /// The workspace's corpus beside the repository (<c>../shared/events</c>), where new real events arrive; null in a
    /// clone that has none.
    /// </summary>
    public static string? WorkspaceCorpus
    {
        get
        {
            var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "..", "shared", "events"));
            return System.IO.Directory.Exists(candidate) ? candidate : null;
        }
    }

    /// <summary>Files named in SOURCES.md under "Not yet brought in", with the issue that brings each in.</summary>
    public static IReadOnlyDictionary<string, string> NotYetBroughtIn()
    {
        var text = File.ReadAllText(Path.Combine(Directory, "SOURCES.md"));
        var start = text.IndexOf("## Not yet brought in", StringComparison.Ordinal);
        if (start < 0)
        {
            return new Dictionary<string, string>();
        }

        return PendingRow().Matches(text[start..]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
    }

    public static IReadOnlyList<string> Files(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(directory, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    [GeneratedRegex(@"^\| (\S+\.json) \| (\d+) \|$", RegexOptions.Multiline)]
    private static partial Regex PendingRow();
}
