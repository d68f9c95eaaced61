using ThreatResponse.Aws;
using ThreatResponse.Core.Settings;

namespace ThreatResponse.Cli;

/// <summary>What commands write to and read settings from; tests pass their own.</summary>
internal sealed record CliContext(TextWriter Stdout, TextWriter Stderr, AwsEnvironment Environment)
{
    public async Task<int> BadInputAsync(string message)
    {
        await Stderr.WriteLineAsync($"error: {message}");
        return ExitCodes.BadInput;
    }

    /// <summary>
    /// Checks the deployment's settings at the start of a command that uses them: every variable set to a value not
    /// allowed is named on stderr and the command refuses (<see cref="ExitCodes.BadInput"/>); null when all are allowed.
    /// </summary>
    public async Task<int?> RefuseBadSettingsAsync()
    {
        try
        {
            _ = Environment.Settings;
            return null;
        }
        catch (InvalidSettingsException e)
        {
            foreach (var problem in e.Problems)
            {
                await Stderr.WriteLineAsync($"error: {problem}");
            }

            return ExitCodes.BadInput;
        }
    }
}
