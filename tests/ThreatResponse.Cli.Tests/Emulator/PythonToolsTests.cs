using ThreatResponse.Aws;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;

namespace ThreatResponse.Cli.Tests.Emulator;

/// <summary>
/// How the demo and the test fixture find moto_server, cfn-lint and botocore on a machine without them: PATH hides them
/// here, and a fake Python stands in for the real installer (Python's package index is not reachable from our machines),
/// creating a virtual environment whose moto_server runs the real one.
/// </summary>
public sealed class PythonToolsTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("threat-response-tools-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task ResolveAsync_ToolsHiddenFromPath_ProvisionsThePrivateEnvironmentOnceThenReusesIt()
    {
        var options = Options(python: await FakePythonAsync(installs: true));
        using var firstProgress = new StringWriter();
        using var secondProgress = new StringWriter();

        var first = await PythonTools.ResolveAsync(PythonToolNeeds.All, options, firstProgress);
        var second = await PythonTools.ResolveAsync(PythonToolNeeds.All, options, secondProgress);

        var line = Assert.Single(firstProgress.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Installing moto[server]==5.2.1, cfn-lint==1.51.0, botocore==", line, StringComparison.Ordinal);
        Assert.Contains(options.ToolsDirectory, line, StringComparison.Ordinal);
        Assert.StartsWith(options.ToolsDirectory, first.MotoServer, StringComparison.Ordinal);
        Assert.True(File.Exists(first.MotoServer));
        Assert.True(File.Exists(first.CfnLint));
        Assert.Equal(first.PrivateEnvironment, second.PrivateEnvironment);
        Assert.Equal(first.MotoServer, second.MotoServer);
        Assert.Empty(secondProgress.ToString());
    }

    [Fact]
    public async Task ResolveAsync_InstallFails_OneLineNamingWhatIsMissingAndTheInstallCommand()
    {
        var options = Options(python: await FakePythonAsync(installs: false));

        var error = await Assert.ThrowsAsync<PythonToolsUnavailableException>(() => PythonTools.ResolveAsync(PythonToolNeeds.MotoServer, options, TextWriter.Null));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("moto_server, cfn-lint and botocore are missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("No matching distribution found for moto==5.2.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("python3 -m pip install \"moto[server]==5.2.1\" \"cfn-lint==1.51.0\" \"botocore==", error.Message, StringComparison.Ordinal);
        Assert.Contains("MOTO_SERVER_COMMAND", error.Message, StringComparison.Ordinal);

        // Nothing half-made is taken for complete next time: the same failure, not a broken emulator.
        await Assert.ThrowsAsync<PythonToolsUnavailableException>(() => PythonTools.ResolveAsync(PythonToolNeeds.MotoServer, options, TextWriter.Null));
    }

    [Fact]
    public async Task ResolveAsync_NoPythonAnywhere_SaysPythonIsMissingAndHowToInstallIt()
    {
        var options = Options(python: null);

        var error = await Assert.ThrowsAsync<PythonToolsUnavailableException>(() => PythonTools.ResolveAsync(PythonToolNeeds.MotoServer, options, TextWriter.Null));

        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("Python 3 is needed for moto_server", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y python3 python3-venv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_EverythingOnPath_UsesPathAndInstallsNothing()
    {
        var bin = _work.CreateSubdirectory("bin").FullName;
        foreach (var program in new[] { "moto_server", "cfn-lint" })
        {
            await WriteScriptAsync(Path.Combine(bin, program), "exit 0");
        }

        await WriteScriptAsync(Path.Combine(bin, "python3"), "exit 0"); // imports botocore, cfnlint, samtranslator
        var options = new PythonToolsOptions([bin], Path.Combine(_work.FullName, "tools"));
        using var progress = new StringWriter();

        var tools = await PythonTools.ResolveAsync(PythonToolNeeds.All, options, progress);

        Assert.Equal(Path.Combine(bin, "moto_server"), tools.MotoServer);
        Assert.Equal(Path.Combine(bin, "cfn-lint"), tools.CfnLint);
        Assert.Null(tools.PrivateEnvironment);
        Assert.Empty(progress.ToString());
        Assert.False(Directory.Exists(options.ToolsDirectory));
    }

    [Fact]
    public async Task ResolveAsync_MotoServerCommandSet_IsUsedForTheEmulatorWithoutInstalling()
    {
        var options = Options(python: null) with { MotoServerCommand = "/opt/moto/bin/moto_server" };

        var tools = await PythonTools.ResolveAsync(PythonToolNeeds.MotoServer, options, TextWriter.Null);

        Assert.Equal("/opt/moto/bin/moto_server", tools.MotoServer);
        Assert.Null(tools.PrivateEnvironment);
    }

    [Fact]
    public async Task MotoServerFixture_ToolsHiddenFromPath_StartsTheEmulatorFromThePrivateEnvironment()
    {
        var options = Options(python: await FakePythonAsync(installs: true));
        var fixture = MotoServerFixture.WithTools(options);

        await fixture.InitializeAsync();
        try
        {
            using var ec2 = fixture.CreateEc2Client();
            var vpc = await ec2.CreateVpcAsync(new Amazon.EC2.Model.CreateVpcRequest { CidrBlock = "10.9.0.0/16" });
            Assert.StartsWith("vpc-", vpc.Vpc.VpcId, StringComparison.Ordinal);
            Assert.Single(Directory.GetDirectories(options.ToolsDirectory));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact]
    public async Task Demo_ToolsHiddenFromPath_RunsOnThePrivateEnvironment()
    {
        var environment = Environment(await FakePythonAsync(installs: true));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await CliApplication.RunAsync(["demo", "--json"], stdout, stderr, environment);

        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains("Installing moto[server]==5.2.1", stderr.ToString(), StringComparison.Ordinal);
        using var result = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        Assert.True(result.RootElement.GetProperty("succeeded").GetBoolean());
    }

    [Fact]
    public async Task Demo_ToolsMissingAndNotInstallable_ExitsOneWithOneLineAndNoStackTrace()
    {
        var environment = Environment(await FakePythonAsync(installs: false));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await CliApplication.RunAsync(["demo", "--json"], stdout, stderr, environment);

        Assert.Equal(ExitCodes.OperationFailed, exit);
        var error = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("python3 -m pip install \"moto[server]==5.2.1\"", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    private PythonToolsOptions Options(string? python) =>
        new([_work.CreateSubdirectory("empty-path").FullName], Path.Combine(_work.FullName, "tools"), PythonCommand: python);

    private AwsEnvironment Environment(string python)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = _work.CreateSubdirectory("empty-path").FullName,
            ["THREATRESPONSE_TOOLS_DIR"] = Path.Combine(_work.FullName, "tools"),
            ["THREATRESPONSE_PYTHON"] = python,
        };
        return new AwsEnvironment(name => variables.GetValueOrDefault(name));
    }

    /// <summary>
    /// A stand-in for python3: <c>-m venv DIR</c> makes DIR/bin/python (itself); <c>-m pip install</c> either adds
    /// moto_server (running the real one) and cfn-lint, or fails as pip does offline; <c>-c</c> (the import check) fails.
    /// </summary>
    private async Task<string> FakePythonAsync(bool installs)
    {
        var realMoto = (await TestTools.GetAsync()).MotoServer;
        var pip = installs
            ? $"""
               bin=$(dirname "$0")
               printf '#!/bin/sh\nexec "%s" "$@"\n' '{realMoto}' > "$bin/moto_server"
               printf '#!/bin/sh\nexit 0\n' > "$bin/cfn-lint"
               chmod +x "$bin/moto_server" "$bin/cfn-lint"
               exit 0
               """
            : """
              echo "ERROR: Could not find a version that satisfies the requirement moto==5.2.1 (from versions: none)" >&2
              echo "ERROR: No matching distribution found for moto==5.2.1" >&2
              exit 1
              """;
        var path = Path.Combine(_work.FullName, installs ? "python-installs" : "python-offline");
        await WriteScriptAsync(path, $"""
            case "$1 $2" in
              "-m venv") mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0 ;;
              "-m pip")
            {pip}
              ;;
            esac
            exit 1
            """);
        return path;
    }

    private static async Task WriteScriptAsync(string path, string body)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the stand-ins are POSIX shell scripts");
        }

        await File.WriteAllTextAsync(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
