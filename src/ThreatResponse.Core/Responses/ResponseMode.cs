namespace ThreatResponse.Core.Responses;

/// <summary><c>AUTO_RESPONSE_MODE</c> of the GuardDuty responder: how far automatic response may go.</summary>
public enum ResponseMode
{
    /// <summary>Notify only; nothing is contained.</summary>
    Off,

    /// <summary>Plan and check every EC2 call with DryRun; notify what would have happened.</summary>
    DryRun,

    /// <summary>Contain for real.</summary>
    Enforce,
}

public static class ResponseModes
{
    /// <exception cref="FormatException">Not off, dry-run or enforce.</exception>
    public static ResponseMode Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "dry-run" => ResponseMode.DryRun,
        "off" => ResponseMode.Off,
        "enforce" => ResponseMode.Enforce,
        _ => throw new FormatException($"AUTO_RESPONSE_MODE='{text}' is not off, dry-run or enforce"),
    };
}
