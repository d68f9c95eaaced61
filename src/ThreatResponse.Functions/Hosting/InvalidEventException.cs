namespace ThreatResponse.Functions.Hosting;

/// <summary>
/// The event was refused before anything was done in AWS: not parseable, not the kind this function serves, or for
/// another custom action. Thrown so that Lambda keeps the event (retries, then the on-failure queue) for a person to read.
/// </summary>
public sealed class InvalidEventException : Exception
{
    public InvalidEventException()
    {
    }

    public InvalidEventException(string message)
        : base(message)
    {
    }

    public InvalidEventException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
