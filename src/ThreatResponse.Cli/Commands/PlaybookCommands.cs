using System.CommandLine;
using System.Text.Json;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Serialization;

namespace ThreatResponse.Cli.Commands;

/// <summary>
/// <c>plan</c>: what the playbook decides for an event, per finding and instance, without touching AWS.
/// <c>playbook validate</c>: every problem in a playbook, with where it is.
/// </summary>
internal static class PlaybookCommands
{
    public static Command Plan(CliContext cli)
    {
        var eventOption = new Option<FileInfo>("--event") { Description = "An EventBridge event, as JSON.", Required = true };
        var playbookOption = new Option<FileInfo?>("--playbook") { Description = "A playbook (YAML or JSON); default: the embedded default playbook." };
        var command = new Command("plan", "Print the playbook's decision per finding and instance, with the rule that matched.") { eventOption, playbookOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (result, error) = await EventFile.ReadAsync(parse.GetValue(eventOption)!, cancellationToken);
            if (result is null)
            {
                return await cli.BadInputAsync(error!);
            }

            var (playbook, playbookError) = await LoadAsync(parse.GetValue(playbookOption), cancellationToken);
            if (playbook is null)
            {
                return await cli.BadInputAsync(playbookError!);
            }

            var decisions = PlaybookDecisions.Decide(result.Event!.Findings, new LoadedPlaybook(playbook, "playbook", null), ResponseMode.Enforce);
            var plan = new PlanDocument([.. decisions.Select(d => new PlannedDecision(
                d.Finding.Id,
                d.Instance?.InstanceId.Value,
                d.Rule,
                d.Actions.Count == 0 ? ["notify"] : [.. d.Actions.Select(ContainmentActionNames.Of)]))]);
            await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(plan, ThreatResponseJsonContext.Readable.PlanDocument));
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Playbook(CliContext cli)
    {
        var file = new Argument<FileInfo>("file") { Description = "The playbook to check (YAML or JSON)." };
        var validate = new Command("validate", "Check a playbook; list every problem with its rule and field.") { file };
        validate.SetAction(async (parse, cancellationToken) =>
        {
            var (playbook, error) = await LoadAsync(parse.GetValue(file), cancellationToken);
            if (playbook is null)
            {
                return await cli.BadInputAsync(error!);
            }

            await cli.Stdout.WriteLineAsync($"{{\"valid\":true,\"rules\":[{string.Join(",", playbook.Rules.Select(r => JsonSerializer.Serialize(r.Name, ThreatResponseJsonContext.Readable.String)))}]}}");
            await cli.Stderr.WriteLineAsync($"valid: {playbook.Rules.Count} rules, first match wins, '{playbook.Rules[^1].Name}' decides the rest");
            return ExitCodes.Success;
        });
        return new Command("playbook", "Work with playbooks.") { validate };
    }

    private static async Task<(Playbook? Playbook, string? Error)> LoadAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return (Core.Playbooks.Playbook.Default, null);
        }

        try
        {
            var text = await File.ReadAllTextAsync(file.FullName, cancellationToken);
            return (PlaybookParser.Parse(text, file.FullName), null);
        }
        catch (PlaybookException e)
        {
            return (null, string.Join(Environment.NewLine + "error: ", e.Errors.Select(x => $"{file.FullName}: {x}")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{file.FullName}: cannot read the playbook: {e.Message}");
        }
    }
}
