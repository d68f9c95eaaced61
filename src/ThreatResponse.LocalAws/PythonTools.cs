using System.ComponentModel;
using System.Diagnostics;

namespace ThreatResponse.LocalAws;

/// <summary>
/// The Python programs the demo and the tests stand on: <c>moto_server</c> (the local AWS), <c>cfn-lint</c> with the
/// SAM translator, and botocore's API models. Each is taken, in this order, from its override
/// (<c>MOTO_SERVER_COMMAND</c>, <c>CFN_LINT_COMMAND</c>, <c>THREATRESPONSE_PYTHON</c>), from PATH, or from a private
/// virtual environment at the pinned versions (<see cref="Pins"/>) under <c>THREATRESPONSE_TOOLS_DIR</c> (default
/// <c>~/.cache/threat-response/python-tools</c>), which is created on first need — one line says so — and reused after.
/// When none of that works (no Python, no venv module, no package index), <see cref="PythonToolsUnavailableException"/>
/// says in one line what is missing and the command that installs it.
/// </summary>
public sealed class PythonTools
{
    /// <summary>The versions CI runs with; the private environment installs exactly these.</summary>
    public static readonly IReadOnlyList<string> Pins = ["moto[server]==5.2.1", "cfn-lint==1.51.0", "botocore==1.43.11"];

    /// <summary>What a private environment holds once it is complete (written last, so a half-made one is redone).</summary>
    private const string CompleteMarker = ".threat-response-tools";

    private static readonly SemaphoreSlim InProcess = new(1, 1);

    private PythonTools(string motoServer, string cfnLint, string python, string? privateEnvironment)
    {
        MotoServer = motoServer;
        CfnLint = cfnLint;
        Python = python;
        PrivateEnvironment = privateEnvironment;
    }

    /// <summary>The command that starts the emulator.</summary>
    public string MotoServer { get; }

    /// <summary>The template linter (with the SAM translator).</summary>
    public string CfnLint { get; }

    /// <summary>A Python interpreter that imports botocore, cfnlint and samtranslator.</summary>
    public string Python { get; }

    /// <summary>The private environment in use, or null when the tools came from overrides and PATH.</summary>
    public string? PrivateEnvironment { get; }

    /// <summary>The one command that installs everything by hand, named in every failure.</summary>
    public static string ManualInstallCommand => "python3 -m pip install " + string.Join(" ", Pins.Select(p => $"\"{p}\""));

    /// <summary>Finds (or provisions) what <paramref name="needs"/> asks for; <paramref name="progress"/> gets the one line when installing.</summary>
    /// <exception cref="PythonToolsUnavailableException">They are missing and cannot be installed; the message says what to do.</exception>
    public static async Task<PythonTools> ResolveAsync(PythonToolNeeds needs, PythonToolsOptions options, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var moto = options.MotoServerCommand ?? options.FindOnPath("moto_server");
        var cfnLint = options.CfnLintCommand ?? options.FindOnPath("cfn-lint");
        var python = options.PythonCommand ?? options.FindOnPath("python3");
        var modulesFound = !needs.HasFlag(PythonToolNeeds.PythonModules) || (python is not null && await ImportsAsync(python, cancellationToken));
        if ((moto is not null || !needs.HasFlag(PythonToolNeeds.MotoServer))
            && (cfnLint is not null || !needs.HasFlag(PythonToolNeeds.CfnLint))
            && modulesFound)
        {
            return new PythonTools(moto ?? "moto_server", cfnLint ?? "cfn-lint", python ?? "python3", privateEnvironment: null);
        }

        var environment = await ProvideAsync(options, python, progress, cancellationToken);
        var bin = Path.Combine(environment, "bin");
        return new PythonTools(
            options.MotoServerCommand ?? Path.Combine(bin, "moto_server"),
            options.CfnLintCommand ?? Path.Combine(bin, "cfn-lint"),
            Path.Combine(bin, "python"),
            environment);
    }

    private static async Task<string> ProvideAsync(PythonToolsOptions options, string? python, TextWriter progress, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(options.ToolsDirectory, string.Join("_", Pins.Select(p => p.Replace("[server]", "", StringComparison.Ordinal).Replace("==", "-", StringComparison.Ordinal))));
        if (File.Exists(Path.Combine(directory, CompleteMarker)))
        {
            return directory;
        }

        // One installer at a time: in this process (test collections run in parallel) and across processes (test assemblies).
        await InProcess.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(options.ToolsDirectory);
            using var crossProcess = await LockAsync(directory + ".lock", cancellationToken);
            if (File.Exists(Path.Combine(directory, CompleteMarker)))
            {
                return directory;
            }

            if (python is null)
            {
                throw new PythonToolsUnavailableException(
                    $"Python 3 is needed for moto_server, cfn-lint and botocore and was not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install -y python3 python3-venv; macOS: brew install python), then run this again — or set MOTO_SERVER_COMMAND to an existing moto_server.");
            }

            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true); // a half-made environment from an interrupted install
            }

            await progress.WriteLineAsync($"Installing {string.Join(", ", Pins)} into {directory} (first run only; reused afterwards)");
            await RunOrExplainAsync(directory, python, ["-m", "venv", directory], "could not create a virtual environment (on Debian/Ubuntu: sudo apt-get install -y python3-venv)", cancellationToken);
            await RunOrExplainAsync(directory, Path.Combine(directory, "bin", "python"), ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", .. Pins], "pip could not install them", cancellationToken);
            foreach (var program in new[] { "moto_server", "cfn-lint", "python" })
            {
                if (!File.Exists(Path.Combine(directory, "bin", program)))
                {
                    throw Unavailable(directory, $"the install finished without bin/{program}");
                }
            }

            await File.WriteAllLinesAsync(Path.Combine(directory, CompleteMarker), Pins, cancellationToken);
            return directory;
        }
        finally
        {
            InProcess.Release();
        }
    }

    /// <summary>One install step into <paramref name="directory"/>; a failure becomes the one-line message.</summary>
    private static async Task RunOrExplainAsync(string directory, string program, IReadOnlyList<string> arguments, string what, CancellationToken cancellationToken)
    {
        var (exit, output) = await RunAsync(program, arguments, TimeSpan.FromMinutes(10), cancellationToken);
        if (exit != 0)
        {
            throw Unavailable(directory, $"{what}: {LastLine(output)}");
        }
    }

    private static PythonToolsUnavailableException Unavailable(string directory, string reason) => new(
        $"moto_server, cfn-lint and botocore are missing and could not be installed into {directory} ({reason}). Install them with:  {ManualInstallCommand}  — or set MOTO_SERVER_COMMAND to an existing moto_server.");

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.Length > 0) ?? "no output";

    private static async Task<bool> ImportsAsync(string python, CancellationToken cancellationToken)
    {
        var (exit, _) = await RunAsync(python, ["-c", "import botocore, cfnlint, samtranslator"], TimeSpan.FromSeconds(60), cancellationToken);
        return exit == 0;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            return (-1, $"{program}: {e.Message}");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{program} did not finish within {timeout.TotalMinutes:0} minutes");
            }

            return (process.ExitCode, await stdout + await stderr);
        }
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (deadline.Elapsed < TimeSpan.FromMinutes(15))
            {
                await Task.Delay(200, cancellationToken); // another process is installing
            }
        }
    }
}
