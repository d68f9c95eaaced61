namespace ThreatResponse.Core.Intake;

/// <summary>Carries an <see cref="IntakeError"/> out of the readers; never escapes <see cref="FindingEventParser"/>.</summary>
internal sealed class IntakeException(string path, string message) : Exception(message)
{
    public IntakeError Error { get; } = new(path, message);
}
