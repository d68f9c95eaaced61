namespace ThreatResponse.Core.Containment.Engine;

/// <summary>A step that cannot go on for a reason of ours, not AWS's (a saved state that cannot be read); recorded like an AWS failure, with its code.</summary>
internal sealed class StepFailedException(string errorCode, string message, Exception? innerException = null) : Exception(message, innerException)
{
    public string ErrorCode { get; } = errorCode;
}
