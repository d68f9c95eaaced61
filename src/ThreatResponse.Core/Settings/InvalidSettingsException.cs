namespace ThreatResponse.Core.Settings;

/// <summary>
/// Settings that are set and not allowed, all of them: thrown when a function or the CLI starts, so a deployment
/// error stops it before anything is done rather than changing what it does.
/// </summary>
public sealed class InvalidSettingsException : InvalidOperationException
{
    public InvalidSettingsException(IReadOnlyList<string> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    public InvalidSettingsException()
        : this([])
    {
    }

    public InvalidSettingsException(string message)
        : this([message])
    {
    }

    public InvalidSettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>One line per variable: its name, its value and what is allowed.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(IReadOnlyList<string> problems) =>
        $"refusing to start: {problems.Count} setting(s) not allowed (see docs/configuration.md): {string.Join("; ", problems)}";
}
