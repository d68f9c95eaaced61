namespace ThreatResponse.Testing.Corpus;

/// <summary>The repository's root (the folder holding ThreatResponse.sln), for tests that read template.yaml or events/.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ThreatResponse.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"ThreatResponse.sln not found above {AppContext.BaseDirectory}.");
    }
}
