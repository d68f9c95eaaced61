namespace ThreatResponse.Testing;

/// <summary>
/// Finds the shared corpus of real published events (<c>../shared/events</c> beside the repository). Set
/// <c>THREATRESPONSE_SHARED_EVENTS</c> to point elsewhere. A missing corpus fails loudly: these files are test cases.
/// </summary>
public static class SharedEvents
{
    public static string Directory { get; } = Locate();

    /// <summary>Every event file, as a path relative to <see cref="Directory"/> with forward slashes (e.g. <c>guardduty/x.json</c>).</summary>
    public static IReadOnlyList<string> All() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Directory, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static string PathOf(string relativePath) => Path.Combine(Directory, relativePath);

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("THREATRESPONSE_SHARED_EVENTS") is { Length: > 0 } configured)
        {
            return System.IO.Directory.Exists(configured)
                ? configured
                : throw new DirectoryNotFoundException($"THREATRESPONSE_SHARED_EVENTS={configured} does not exist.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "events");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"The shared event corpus (../shared/events beside the repository) was not found above {AppContext.BaseDirectory}. Set THREATRESPONSE_SHARED_EVENTS to its path.");
    }
}
