using ThreatResponse.Core.Intake;

namespace ThreatResponse.Cli.Commands;

/// <summary>Reads an event file for a command, turning every way it can be wrong into one line for stderr.</summary>
internal static class EventFile
{
    public static async Task<(IntakeResult? Result, string? Error)> ReadAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = file.OpenRead();
            var result = await FindingEventParser.ParseAsync(stream, cancellationToken);
            return result.IsSuccess ? (result, null) : (null, $"{file.FullName}: {result.Error}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{file.FullName}: cannot read the event file: {e.Message}");
        }
    }
}
