namespace ThreatResponse.Benchmarks;

/// <summary>Locates event files of the repository (events/, tests/events/) above the benchmark's folder.</summary>
internal static class BenchmarkInputs
{
    public static byte[] Read(string relativeToWorkspace)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativeToWorkspace);
            if (File.Exists(candidate))
            {
                return File.ReadAllBytes(candidate);
            }
        }

        throw new FileNotFoundException($"{relativeToWorkspace} not found above {AppContext.BaseDirectory}");
    }
}
