using System.Diagnostics;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

public sealed class TemplateLintTests
{
    private static readonly string[] Templates =
        ["template.yaml", "templates/member-role.yaml", "templates/member-events.yaml", "templates/region-forwarder.yaml", "templates/evidence-document.yaml"];

    /// <summary>
    /// One cfn-lint process for every template: most of a run is cfn-lint loading its schemas and the SAM translator, so
    /// linting the five together costs about what one costs. Each finding ends with a <c>path:line:column</c> line,
    /// which tells the cases below whose it is.
    /// </summary>
    private static readonly Lazy<Task<(int ExitCode, string Output)>> Lint = new(LintAllAsync);

    public static TheoryData<string> AllTemplates() => new(Templates);

    [Theory]
    [MemberData(nameof(AllTemplates))]
    public async Task CfnLint_Template_ReportsNothing(string template)
    {
        var (exitCode, output) = await Lint.Value;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.False(lines.Any(l => l.StartsWith(template + ":", StringComparison.Ordinal)), $"cfn-lint reports on {template}:\n{output}");
        // A failure no template's findings explain (cfn-lint itself failed) fails every case.
        Assert.True(exitCode == 0 || Templates.Any(t => lines.Any(l => l.StartsWith(t + ":", StringComparison.Ordinal))), $"cfn-lint exited {exitCode}:\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> LintAllAsync()
    {
        var startInfo = new ProcessStartInfo((await TestTools.GetAsync()).CfnLint)
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("--");
        foreach (var template in Templates)
        {
            startInfo.ArgumentList.Add(template);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"{await output}\n{await errors}");
    }

    [Fact]
    public void Template_E3006Suppression_OnlyOnActionTargets()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "template.yaml"));

        // Each suppression sits under an AWS::SecurityHub::ActionTarget, never in a global cfn-lint config.
        var suppressions = lines.Select((line, index) => (line, index)).Where(x => x.line.TrimStart().StartsWith("ignore_checks:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(suppressions);
        foreach (var (line, index) in suppressions)
        {
            Assert.Equal("ignore_checks: [E3006]", line.Trim());
            var resourceStart = Array.FindLastIndex(lines, index, l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("   ", StringComparison.Ordinal));
            Assert.Contains("Type: AWS::SecurityHub::ActionTarget", lines[resourceStart + 1], StringComparison.Ordinal);
        }
    }
}
