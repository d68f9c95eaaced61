using System.Diagnostics;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Testing;

/// <summary>What one <c>threat-response invoke</c> process ended with.</summary>
public sealed record FunctionProcessResult(int Exit, string Stdout, string Stderr, TimeSpan Elapsed);

/// <summary>
/// A function run as Lambda runs it, in an execution environment of its own: <c>threat-response invoke FUNCTION --event
/// FILE</c> as a separate process, from the repository (for template.yaml), with exactly the environment given.
/// </summary>
public static class FunctionProcess
{
    /// <param name="cli">The CLI's assembly, <c>threat-response.dll</c>.</param>
    public static async Task<FunctionProcessResult> InvokeAsync(string cli, string function, string eventFile, IReadOnlyDictionary<string, string> environment, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "invoke", function, "--event", eventFile })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new FunctionProcessResult(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }
}
