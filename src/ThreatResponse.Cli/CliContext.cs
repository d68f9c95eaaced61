using ThreatResponse.Aws;

namespace ThreatResponse.Cli;

/// <summary>What commands write to and read settings from; tests pass their own.</summary>
internal sealed record CliContext(TextWriter Stdout, TextWriter Stderr, AwsEnvironment Environment)
{
    public async Task<int> BadInputAsync(string message)
    {
        await Stderr.WriteLineAsync($"error: {message}");
        return ExitCodes.BadInput;
    }
}
