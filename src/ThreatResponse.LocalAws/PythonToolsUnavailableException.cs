namespace ThreatResponse.LocalAws;

/// <summary>The Python tools are missing and could not be provisioned; the message is one line naming what to install and how.</summary>
public sealed class PythonToolsUnavailableException : InvalidOperationException
{
    public PythonToolsUnavailableException(string message)
        : base(message)
    {
    }
}
