using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Serialization;

/// <summary>Source-generated JSON for everything ThreatResponse writes: camelCase, no reflection, trimming-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true)]
[JsonSerializable(typeof(FindingsDocument))]
[JsonSerializable(typeof(PlanDocument))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ThreatResponse.Core.Containment.ContainmentReport))]
[JsonSerializable(typeof(IReadOnlyList<ThreatResponse.Core.Containment.NetworkAcls.OrphanedAclEntries>))]
[JsonSerializable(typeof(ThreatResponse.Core.Notifications.NotificationDocument))]
[JsonSerializable(typeof(ThreatResponse.Core.Notifications.DelayedResponseDocument))]
[JsonSerializable(typeof(ThreatResponse.Core.Notifications.ChatNotification))]
public sealed partial class ThreatResponseJsonContext : JsonSerializerContext
{
    /// <summary>
    /// For output read by people and tools, never embedded in HTML: finding types such as <c>C&amp;CActivity</c> stay
    /// readable instead of becoming <c>\u0026</c>.
    /// </summary>
    public static ThreatResponseJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>Readable and unindented: for messages that count their bytes (SNS) and log lines.</summary>
    public static ThreatResponseJsonContext Compact { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
