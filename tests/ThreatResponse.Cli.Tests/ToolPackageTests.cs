using System.Diagnostics;
using System.Text.Json;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Cli.Tests;

/// <summary>
/// threat-response as an operator installs it: packed as a .NET tool, installed into a tool path of its own, and run
/// from a directory outside the repository (the demo's events are embedded). Most of its time is the Release build
/// behind the pack, which needs no emulator: with a moto_server of its own (a class fixture, not the shared collection)
/// it runs alongside the emulator tests instead of after them.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Packaging)]
public sealed class ToolPackageTests(MotoServerFixture moto) : MotoTest(moto), IClassFixture<MotoServerFixture>, IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("threat-response-tool-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task PackedTool_InstalledIntoAToolPath_RunsVersionParseAndDemoFromOutsideTheRepository()
    {
        var packages = _work.CreateSubdirectory("packages").FullName;
        await RunOrFailAsync("dotnet", RepositoryRoot.Path, isolatedCache: false, "pack", Path.Combine(RepositoryRoot.Path, "src", "ThreatResponse.Cli", "ThreatResponse.Cli.csproj"),
            "--configuration", "Release", "--output", packages, "--artifacts-path", Path.Combine(_work.FullName, "artifacts"), "--nologo");
        var package = Assert.Single(Directory.GetFiles(packages, "ThreatResponse.Cli.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["ThreatResponse.Cli.".Length..];

        var tools = Path.Combine(_work.FullName, "tools");
        await RunOrFailAsync("dotnet", _work.FullName, isolatedCache: true, "tool", "install", "ThreatResponse.Cli", "--tool-path", tools, "--add-source", packages, "--version", version);
        var tool = Path.Combine(tools, "threat-response");
        var elsewhere = _work.CreateSubdirectory("elsewhere").FullName;

        var printed = await RunOrFailAsync(tool, elsewhere, isolatedCache: true, "--version");
        Assert.StartsWith(version, printed.Trim(), StringComparison.Ordinal);

        var parsed = await RunOrFailAsync(tool, elsewhere, isolatedCache: true, "parse", "--event", EventCorpus.PathOf("guardduty/guardduty-ec2-ssh-bruteforce.json"));
        using (var json = JsonDocument.Parse(parsed))
        {
            Assert.Equal("i-081de1d7604b11e4a", json.RootElement.GetProperty("findings")[0].GetProperty("instances")[0].GetProperty("instanceId").GetString());
        }

        var demo = await RunOrFailAsync(tool, elsewhere, isolatedCache: true, "demo", "--json", "--endpoint-url", Moto.Endpoint.ToString());
        using (var json = JsonDocument.Parse(demo))
        {
            Assert.True(json.RootElement.GetProperty("succeeded").GetBoolean());
        }
    }

    private async Task<string> RunOrFailAsync(string program, string directory, bool isolatedCache, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The install gets a NuGet cache of its own: a package of the same version cached earlier must not stand in for
        // the one just packed. The pack restores the project's dependencies from the usual cache (it consumes no
        // ThreatResponse package, and restoring every dependency into an empty cache cost most of this test's time).
        if (isolatedCache)
        {
            start.Environment["NUGET_PACKAGES"] = Path.Combine(_work.FullName, "nuget-cache");
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
