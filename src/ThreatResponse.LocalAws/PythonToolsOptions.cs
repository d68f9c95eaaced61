namespace ThreatResponse.LocalAws;

/// <summary>Where <see cref="PythonTools"/> looks, read from an environment (the process's, or a test's own).</summary>
public sealed record PythonToolsOptions(
    IReadOnlyList<string> PathDirectories,
    string ToolsDirectory,
    string? MotoServerCommand = null,
    string? CfnLintCommand = null,
    string? PythonCommand = null)
{
    public static PythonToolsOptions FromEnvironment(Func<string, string?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        string? Get(string name) => variables(name) is { Length: > 0 } value ? value : null;
        var cache = Get("XDG_CACHE_HOME") ?? Path.Combine(Get("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return new PythonToolsOptions(
            (Get("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries),
            Get("THREATRESPONSE_TOOLS_DIR") ?? Path.Combine(cache, "threat-response", "python-tools"),
            Get("MOTO_SERVER_COMMAND"),
            Get("CFN_LINT_COMMAND"),
            Get("THREATRESPONSE_PYTHON"));
    }

    public static PythonToolsOptions FromProcess() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The full path of an executable named <paramref name="program"/> on PATH, or null.</summary>
    public string? FindOnPath(string program) =>
        PathDirectories.Select(d => Path.Combine(d, program)).FirstOrDefault(p => File.Exists(p) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(p) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0));
}
