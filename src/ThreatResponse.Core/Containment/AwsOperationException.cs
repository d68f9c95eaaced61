namespace ThreatResponse.Core.Containment;

/// <summary>
/// An AWS call that failed after the client's own retries. Adapters throw it in place of SDK exceptions so Core can
/// record the AWS error code on the step without knowing the SDK.
/// </summary>
public sealed class AwsOperationException : Exception
{
    public AwsOperationException(string operation, string errorCode, string message, Exception? innerException = null)
        : base($"{operation}: {errorCode}: {message}", innerException)
    {
        Operation = operation;
        ErrorCode = errorCode;
    }

    public string Operation { get; }

    public string ErrorCode { get; }
}
