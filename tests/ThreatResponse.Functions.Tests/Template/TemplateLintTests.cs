using System.Diagnostics;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

public sealed class TemplateLintTests
{
    [Theory]
    [InlineData("template.yaml")]
    [InlineData("templates/member-role.yaml")]
    [InlineData("templates/member-events.yaml")]
    [InlineData("templates/region-forwarder.yaml")]
    [InlineData("templates/evidence-document.yaml")]
    public async Task CfnLint_Template_ReportsNothing(string template)
    {
        var startInfo = new ProcessStartInfo((await TestTools.GetAsync()).CfnLint)
        {
            ArgumentList = { "--", template },
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"cfn-lint exited {process.ExitCode}:\n{output}\n{errors}");
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
