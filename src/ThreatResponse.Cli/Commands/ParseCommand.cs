using System.CommandLine;
using System.Text.Json;
using ThreatResponse.Core.Serialization;

namespace ThreatResponse.Cli.Commands;

/// <summary><c>parse --event FILE</c>: prints the normalized findings of an EventBridge event.</summary>
internal static class ParseCommand
{
    public static Command Create(CliContext cli)
    {
        var eventOption = new Option<FileInfo>("--event")
        {
            Description = "An EventBridge event (GuardDuty Finding, Security Hub custom action or imported findings) as JSON.",
            Required = true,
        };

        var command = new Command("parse", "Print the findings of an event, normalized, as JSON.") { eventOption };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (result, error) = await EventFile.ReadAsync(parseResult.GetValue(eventOption)!, cancellationToken);
            if (result is null)
            {
                return await cli.BadInputAsync(error!);
            }

            var document = new FindingsDocument(result.Event!.Findings);
            await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(document, ThreatResponseJsonContext.Readable.FindingsDocument));
            return ExitCodes.Success;
        });
        return command;
    }
}
