namespace ThreatResponse.Fuzz;

/// <summary>Runs the target once over files: a seed corpus, a folder of generated inputs, or one saved crash.</summary>
internal static class Replay
{
    /// <summary>
    /// 0 when every input passed; 1 at the first input that throws (named, with the exception); 2 for a bad path.
    /// With <c>-v</c> among the paths, prints what the parser made of each input.
    /// </summary>
    public static int Run(IEnumerable<string> paths, TextWriter output)
    {
        var verbose = paths.Contains("-v");
        paths = paths.Where(p => p != "-v");
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                output.WriteLine($"replay: no such file or folder: {path}");
                return 2;
            }
        }

        foreach (var file in files)
        {
            try
            {
                var result = IntakeTarget.Run(File.ReadAllBytes(file));
                if (verbose)
                {
                    output.WriteLine($"{file}: {(result.IsSuccess ? $"accepted, {result.Event.Kind}, {result.Event.Findings.Count} finding(s)" : result.Error.ToString())}");
                }
            }
#pragma warning disable CA1031 // Any exception is the finding being reported.
            catch (Exception e)
#pragma warning restore CA1031
            {
                output.WriteLine($"replay: FAILED on {file}");
                output.WriteLine(e.ToString());
                return 1;
            }
        }

        output.WriteLine($"replay: {files.Count} inputs, 0 failures");
        return 0;
    }
}
