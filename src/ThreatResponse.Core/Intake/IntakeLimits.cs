namespace ThreatResponse.Core.Intake;

/// <summary>Bounds that keep a hostile or broken event from costing memory, time or a runaway response.</summary>
public static class IntakeLimits
{
    /// <summary>EventBridge refuses events larger than 256 KiB, so anything larger did not come from it.</summary>
    public const int MaxEventBytes = 256 * 1024;

    /// <summary>Findings per event. A Security Hub custom action forwards the analyst's selection; 100 matches BatchUpdateFindings' batch.</summary>
    public const int MaxFindings = 100;

    /// <summary>ASFF allows at most 32 resources per finding.</summary>
    public const int MaxResourcesPerFinding = 32;

    /// <summary>Longest id, ARN or type accepted; ASFF ids are at most 512 characters.</summary>
    public const int MaxFieldLength = 512;

    /// <summary>Nesting depth accepted; real events stay under 12.</summary>
    public const int MaxDepth = 64;
}
