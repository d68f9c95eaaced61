using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using ThreatResponse.Cli.Demo;
using ThreatResponse.LocalAws;

namespace ThreatResponse.Cli.Commands;

/// <summary>
/// <c>demo [--endpoint-url URL] [--json] [--show-notification]</c>: the whole pipeline against a local emulator it starts itself — a GuardDuty
/// finding contained by GuardDutyResponder, then released by ReleaseInstanceAction — shown as people would see it.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext cli)
    {
        var endpoint = new Option<string?>("--endpoint-url") { Description = "Use a running emulator instead of starting moto_server." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout (progress goes to stderr)." };
        var verbose = new Option<bool>("--verbose") { Description = "Also show the functions' own JSON log lines (stderr)." };
        var showNotification = new Option<bool>("--show-notification")
        {
            Description = "Also print the containment notification as published: the e-mail text, the chat body (HTTPS) and the JSON document (SQS, Lambda, HTTP).",
        };
        var command = new Command("demo", "Contain a compromised instance and release it, on a local AWS emulator, in under a minute.") { endpoint, json, verbose, showNotification };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Uri? emulator = null;
            if (parse.GetValue(endpoint) is { } text && (!Uri.TryCreate(text, UriKind.Absolute, out emulator) || emulator.Scheme is not ("http" or "https")))
            {
                return await cli.BadInputAsync($"--endpoint-url: '{text}' is not an http(s) URL");
            }

            var asJson = parse.GetValue(json);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(asJson ? cli.Stderr : cli.Stdout) });
            var functionLog = parse.GetValue(verbose) ? cli.Stderr : TextWriter.Null;
            var show = parse.GetValue(showNotification);
            var tools = PythonToolsOptions.FromEnvironment(name => cli.Environment[name]);
            DemoResult result;
            try
            {
                // A spinner where someone watches; plain progress lines where the output is captured.
                result = console.Profile.Capabilities.Interactive
                    ? await console.Status().Spinner(Spinner.Known.Dots).StartAsync("Starting", async context =>
                        await DemoRun.RunAsync(emulator, tools, message =>
                        {
                            context.Status(Markup.Escape(message));
                            console.MarkupLine($"[grey]>[/] {Markup.Escape(message)}");
                        }, functionLog, cancellationToken, show))
                    : await DemoRun.RunAsync(emulator, tools, message => console.MarkupLine($"[grey]>[/] {Markup.Escape(message)}"), functionLog, cancellationToken, show);
            }
            catch (Exception e) when (e is PythonToolsUnavailableException || (e is InvalidOperationException && e.Message.Contains("moto_server", StringComparison.Ordinal)))
            {
                await cli.Stderr.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.OperationFailed;
            }

            if (asJson)
            {
                await cli.Stdout.WriteLineAsync(JsonSerializer.Serialize(result, DemoJsonContext.Default.DemoResult));
            }
            else
            {
                DemoRenderer.Render(console, result);
                if (result.Published is { } published)
                {
                    await cli.Stdout.WriteAsync(DemoRenderer.Bodies(published));
                }
            }

            return result.Succeeded ? ExitCodes.Success : ExitCodes.OperationFailed;
        });
        return command;
    }
}
