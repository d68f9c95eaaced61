namespace ThreatResponse.Core.Playbooks;

/// <summary>A playbook that cannot be used, with every problem found: rule index, field, what is wrong.</summary>
public sealed class PlaybookException : Exception
{
    public PlaybookException(string source, IReadOnlyList<string> errors)
        : base($"{source} is not a valid playbook: {string.Join("; ", errors)}")
    {
        Errors = errors;
    }

    public PlaybookException()
        : this("playbook", ["unknown error"])
    {
    }

    public PlaybookException(string message)
        : this("playbook", [message])
    {
    }

    public PlaybookException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public IReadOnlyList<string> Errors { get; } = [];
}
