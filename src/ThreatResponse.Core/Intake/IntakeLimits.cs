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

    /// <summary>Reads the stream up to one byte more than <see cref="MaxEventBytes"/>: a longer event is refused, never read whole.</summary>
    internal static async Task<ReadOnlyMemory<byte>> ReadEventAsync(Stream utf8Json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        var buffer = new byte[MaxEventBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await utf8Json.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return buffer.AsMemory(0, length);
    }
}
