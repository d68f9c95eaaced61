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
    /// <summary>The mode's name as a playbook and <c>AUTO_RESPONSE_MODE</c> write it (any case); empty is dry-run.</summary>
    public static bool TryParse(string? text, out ResponseMode mode)
    {
        ResponseMode? parsed = text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "dry-run" => ResponseMode.DryRun,
            "off" => ResponseMode.Off,
            "enforce" => ResponseMode.Enforce,
            _ => null,
        };
        mode = parsed ?? ResponseMode.DryRun;
        return parsed is not null;
    }

    /// <exception cref="FormatException">Not off, dry-run or enforce.</exception>
    public static ResponseMode Parse(string? text) =>
        TryParse(text, out var mode) ? mode : throw new FormatException($"AUTO_RESPONSE_MODE='{text}' is not off, dry-run or enforce");
}
