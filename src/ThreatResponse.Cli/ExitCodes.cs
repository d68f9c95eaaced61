namespace ThreatResponse.Cli;

/// <summary>The CLI's exit codes, which scripts rely on.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The operation ran and failed, partly or wholly.</summary>
    public const int OperationFailed = 1;

    /// <summary>Bad input or usage; nothing was attempted.</summary>
    public const int BadInput = 2;
}
