using System.CommandLine;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace ThreatResponse.Cli.Commands;

/// <summary>
/// <c>invoke FUNCTION --event FILE</c>: runs a function's handler in-process exactly as Lambda would — the handler
/// string read from template.yaml, the type built with its parameterless constructor, a stream in and a stream out,
/// configured by the current environment — and prints what it returns. Exit 1 when the handler threw.
/// </summary>
internal static class InvokeCommand
{
    public static Command Create(CliContext cli)
    {
        var function = new Argument<string>("function") { Description = "The function's logical id in template.yaml, e.g. IsolateInstanceAction." };
        var eventOption = new Option<FileInfo>("--event") { Description = "The event to pass, as JSON.", Required = true };
        var templateOption = new Option<FileInfo?>("--template") { Description = "The SAM template (default: template.yaml here or in a parent folder)." };
        var command = new Command("invoke", "Run a function's handler locally, as Lambda would.") { function, eventOption, templateOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var template = parse.GetValue(templateOption) ?? FindTemplate();
            if (template is not { Exists: true })
            {
                return await cli.BadInputAsync("template.yaml not found: run from the repository or pass --template");
            }

            var name = parse.GetValue(function)!;
            string? handler;
            try
            {
                handler = HandlerOf(template, name);
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                return await cli.BadInputAsync($"{template.FullName}: not readable YAML: {e.Message}");
            }

            if (handler is null)
            {
                return await cli.BadInputAsync($"{template.FullName}: no AWS::Serverless::Function named '{name}' with a Handler");
            }

            var eventFile = parse.GetValue(eventOption)!;
            if (!eventFile.Exists)
            {
                return await cli.BadInputAsync($"{eventFile.FullName}: cannot read the event file: it does not exist");
            }

            return await InvokeAsync(cli, handler, eventFile);
        });
        return command;
    }

    /// <summary>The Handler of a function in the template: its own, or the one in Globals.</summary>
    internal static string? HandlerOf(FileInfo template, string function)
    {
        using var reader = template.OpenText();
        var yaml = new YamlStream();
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        if (Child(Child(root, "Resources"), function) is not YamlMappingNode resource
            || Child(resource, "Type") is not YamlScalarNode { Value: "AWS::Serverless::Function" })
        {
            return null;
        }

        return (Child(Child(resource, "Properties"), "Handler") as YamlScalarNode)?.Value
            ?? (Child(Child(Child(root, "Globals"), "Function"), "Handler") as YamlScalarNode)?.Value;
    }

    private static async Task<int> InvokeAsync(CliContext cli, string handler, FileInfo eventFile)
    {
        var parts = handler.Split("::");
        if (parts.Length != 3)
        {
            return await cli.BadInputAsync($"handler '{handler}' is not Assembly::Type::Method");
        }

        var type = Assembly.Load(parts[0]).GetType(parts[1]);
        var method = type?.GetMethod(parts[2], [typeof(Stream)]);
        if (type is null || method is null)
        {
            return await cli.BadInputAsync($"handler '{handler}' does not resolve to a method taking a Stream");
        }

        // In Lambda a function logs to stdout; here stdout carries the handler's output, so its log goes to stderr.
        var console = Console.Out;
        Console.SetOut(cli.Stderr);
        try
        {
            var instance = method.IsStatic ? null : Activator.CreateInstance(type);
            await using var input = eventFile.OpenRead();
            var result = method.Invoke(instance, [input]);
            var output = result switch
            {
                Task<Stream> task => await task,
                Stream stream => stream,
                _ => throw new InvalidOperationException($"handler '{handler}' returned {result?.GetType().Name ?? "null"}, not a Stream"),
            };
            await using (output)
            {
                using var text = new StreamReader(output);
                await cli.Stdout.WriteLineAsync(await text.ReadToEndAsync());
            }

            return ExitCodes.Success;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the handler threw is the invocation's failure, as Lambda would report it.
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            await cli.Stderr.WriteLineAsync($"error: the handler threw {cause.GetType().Name}: {cause.Message}");
            return ExitCodes.OperationFailed;
        }
        finally
        {
            Console.SetOut(console);
        }
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static FileInfo? FindTemplate()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = new FileInfo(Path.Combine(dir.FullName, "template.yaml"));
            if (candidate.Exists)
            {
                return candidate;
            }
        }

        return null;
    }
}
