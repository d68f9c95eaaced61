using System.CommandLine;
using System.Text.Json;
using ThreatResponse.Aws;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Serialization;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Cli.Commands;

/// <summary>
/// <c>contain</c> and <c>release</c>: the operator's tools during an incident. They run the same engine as the
/// functions, with the same safety settings from the environment, and print the response report.
/// </summary>
internal static class ContainmentCommands
{
    public static Command Contain(CliContext cli)
    {
        var instances = InstanceOption();
        var actions = new Option<string>("--actions")
        {
            Description = "Comma-separated: isolate, snapshot, stop, revoke-sessions (only with isolate; writes a deny policy on the instance's role).",
            Required = true,
        };
        var findingId = new Option<string?>("--finding-id") { Description = "The finding this is for: recorded in tags, and makes the run idempotent per finding." };
        var (account, region) = ScopeOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every EC2 call with DryRun; change nothing." };
        var command = new Command("contain", "Isolate, snapshot and/or stop EC2 instances now.") { instances, actions, findingId, account, region, dryRun };
        command.SetAction((parse, ct) =>
        {
            if (!TryParseActions(parse.GetValue(actions)!, out var parsed, out var error))
            {
                return cli.BadInputAsync(error);
            }

            return RunAsync(cli, parse.GetValue(instances)!, parse.GetValue(account), parse.GetValue(region), parsed, parse.GetValue(findingId), parse.GetValue(dryRun), ct);
        });
        return command;
    }

    public static Command Release(CliContext cli)
    {
        var instances = InstanceOption();
        var (account, region) = ScopeOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every EC2 call with DryRun; change nothing." };
        var restoreMembership = new Option<bool>("--restore-membership")
        {
            Description = "Also put the instance back in service: exit Standby in its Auto Scaling group and register it again in its target groups.",
        };
        var command = new Command("release", "Undo an isolation: restore the groups, metadata, profile and attributes saved before it.") { instances, account, region, dryRun, restoreMembership };
        command.SetAction((parse, ct) => RunAsync(
            cli, parse.GetValue(instances)!, parse.GetValue(account), parse.GetValue(region), [ContainmentAction.Release], null, parse.GetValue(dryRun), ct, parse.GetValue(restoreMembership)));
        return command;
    }

    /// <summary><c>network-acl-entries</c>: entries saved for instances that are terminated or gone, and on request their removal.</summary>
    public static Command NetworkAclEntries(CliContext cli)
    {
        var remove = new Option<bool>("--remove") { Description = "Remove them (a release of each gone instance: its entries and saved state)." };
        var command = new Command("network-acl-entries", "List the network ACL deny entries of isolated instances that are terminated or gone (needs LEDGER_TABLE_NAME).") { remove };
        command.SetAction(async (parse, ct) =>
        {
            if (await cli.RefuseBadSettingsAsync() is { } refused)
            {
                return refused;
            }

            if (cli.Environment.Settings.LedgerTableName is null)
            {
                return await cli.BadInputAsync("LEDGER_TABLE_NAME is not set: only the ledger's saved states can be listed (tag-kept state lives on each instance)");
            }

            using var aws = new AwsCompositionRoot(cli.Environment, TimeProvider.System);
            IReadOnlyList<OrphanedAclEntries> orphans;
            try
            {
                orphans = await aws.Engine.FindOrphanedAclEntriesAsync(ct);
            }
            catch (AwsOperationException e)
            {
                await cli.Stderr.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.OperationFailed;
            }

            await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(orphans, ThreatResponseJsonContext.Readable.IReadOnlyListOrphanedAclEntries));
            foreach (var orphan in orphans)
            {
                await cli.Stderr.WriteLineAsync($"{orphan.Instance.InstanceId} ({orphan.Instance.Account}/{orphan.Instance.Region}, {orphan.State}): {orphan.Entries.Count} entr(ies): {string.Join(", ", orphan.Entries)}");
            }

            if (!parse.GetValue(remove) || orphans.Count == 0)
            {
                await cli.Stderr.WriteLineAsync(orphans.Count == 0 ? "no entries of a terminated or gone instance" : "run again with --remove to remove them");
                return ExitCodes.Success;
            }

            var report = await aws.Engine.RunAsync(new ContainmentRequest(null, [.. orphans.Select(o => o.Instance)], [ContainmentAction.Release], DryRun: false), ct);
            await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(report, ThreatResponseJsonContext.Readable.ContainmentReport));
            foreach (var instance in report.Instances)
            {
                await cli.Stderr.WriteLineAsync($"{instance.Instance.InstanceId}: {instance.Outcome.Text()}{(instance.Reason is null ? "" : " - " + instance.Reason)}");
            }

            return report.Outcome == StepOutcome.Failed ? ExitCodes.OperationFailed : ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext cli, string[] instanceTexts, string? account, string? region, IReadOnlyList<ContainmentAction> actions, string? findingId, bool dryRun, CancellationToken cancellationToken, bool restoreMembership = false)
    {
        if (await cli.RefuseBadSettingsAsync() is { } refused)
        {
            return refused;
        }

        var ids = new List<InstanceId>();
        foreach (var text in instanceTexts)
        {
            if (!InstanceId.TryParse(text, out var id))
            {
                return await cli.BadInputAsync($"--instance: '{text}' is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits)");
            }

            ids.Add(id.Value);
        }

        region ??= cli.Environment.Region;
        if (region is null || !AwsNames.IsRegion(region))
        {
            return await cli.BadInputAsync(region is null ? "no Region: pass --region or set AWS_REGION" : $"--region: '{region}' is not an AWS Region code");
        }

        if (account is not null && !AwsNames.IsAccountId(account))
        {
            return await cli.BadInputAsync($"--account: '{account}' is not a 12-digit AWS account id");
        }

        // An operator who names revoke-sessions has opted in, with their own credentials; REVOKE_SESSIONS is the
        // deployment's opt-in for the functions.
        var settings = cli.Environment.Settings;
        var environment = actions.Contains(ContainmentAction.RevokeSessions)
            ? cli.Environment.WithSettings(settings with { Containment = settings.Containment with { RevokeSessions = true } })
            : cli.Environment;
        using var aws = new AwsCompositionRoot(environment, TimeProvider.System);
        try
        {
            account ??= await aws.CallerAccountAsync();
        }
        catch (AwsOperationException e)
        {
            await cli.Stderr.WriteLineAsync($"error: could not tell the account of the current credentials (pass --account): {e.Message}");
            return ExitCodes.OperationFailed;
        }

        var request = new ContainmentRequest(findingId, [.. ids.Select(id => new InstanceReference(id, account, region))], actions, dryRun) { RestoreMembership = restoreMembership };
        var report = await aws.Engine.RunAsync(request, cancellationToken);
        await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(report, ThreatResponseJsonContext.Readable.ContainmentReport));
        foreach (var instance in report.Instances)
        {
            await cli.Stderr.WriteLineAsync($"{instance.Instance.InstanceId} ({instance.Name ?? "no Name tag"}): {instance.Outcome.Text()}{(instance.Reason is null ? "" : " - " + instance.Reason)}");
        }

        return report.Outcome == StepOutcome.Failed ? ExitCodes.OperationFailed : ExitCodes.Success;
    }

    private static bool TryParseActions(string text, out List<ContainmentAction> actions, out string error)
    {
        actions = [];
        error = string.Empty;
        var choices = string.Join(", ", ContainmentActionNames.Requestable);
        foreach (var word in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ContainmentActionNames.TryParseRequestable(word, out var action))
            {
                error = $"--actions: '{word}' is not one of {choices}";
                return false;
            }

            actions.Add(action);
        }

        if (actions.Count == 0)
        {
            error = $"--actions: name at least one of {choices}";
            return false;
        }

        if (ContainmentActionNames.Conflict(actions) is { } conflict)
        {
            error = $"--actions: {conflict}";
            return false;
        }

        return true;
    }

    private static Option<string[]> InstanceOption() => new("--instance")
    {
        Description = "The instance id (repeat for several).",
        Required = true,
        AllowMultipleArgumentsPerToken = false,
    };

    private static (Option<string?> Account, Option<string?> Region) ScopeOptions() =>
        (new Option<string?>("--account") { Description = "The instance's account (default: the account of the current credentials)." },
         new Option<string?>("--region") { Description = "The instance's Region (default: AWS_REGION, then AWS_DEFAULT_REGION)." });
}
