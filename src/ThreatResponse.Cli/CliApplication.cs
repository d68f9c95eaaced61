using System.CommandLine;
using ThreatResponse.Aws;
using ThreatResponse.Cli.Commands;

namespace ThreatResponse.Cli;

/// <summary>Builds the <c>threat-response</c> command tree. JSON goes to stdout; messages and errors to stderr.</summary>
internal static class CliApplication
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, AwsEnvironment? environment = null)
    {
        var cli = new CliContext(stdout, stderr, environment ?? AwsEnvironment.Process);
        var root = new RootCommand("ThreatResponse: contain compromised EC2 instances named in GuardDuty and Security Hub findings.")
        {
            ParseCommand.Create(cli),
            PlaybookCommands.Plan(cli),
            PlaybookCommands.Playbook(cli),
            ContainmentCommands.Contain(cli),
            ContainmentCommands.Release(cli),
            ContainmentCommands.NetworkAclEntries(cli),
            InvokeCommand.Create(cli),
            DemoCommand.Create(cli),
        };

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await stderr.WriteLineAsync($"error: {error.Message}");
            }

            await stderr.WriteLineAsync("Run 'threat-response --help' for usage.");
            return ExitCodes.BadInput;
        }

        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
