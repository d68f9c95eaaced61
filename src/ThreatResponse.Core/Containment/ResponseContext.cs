namespace ThreatResponse.Core.Containment;

/// <summary>
/// The finding the current containment work is for, flowing with async calls. Used only to attribute AWS calls (the
/// session name of a role assumed in a member account shows in that account's CloudTrail); never to decide anything.
/// </summary>
public static class ResponseContext
{
    private static readonly AsyncLocal<string?> Finding = new();

    public static string? FindingId => Finding.Value;

    /// <summary>Sets the finding for the calling async flow and what it starts; dispose to restore.</summary>
    public static IDisposable For(string findingId)
    {
        var previous = Finding.Value;
        Finding.Value = findingId;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Finding.Value = previous;
    }
}
