using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Serialization;

/// <summary>Source-generated JSON for everything ThreatResponse writes: camelCase, no reflection, trimming-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true)]
[JsonSerializable(typeof(FindingsDocument))]
public sealed partial class ThreatResponseJsonContext : JsonSerializerContext;
