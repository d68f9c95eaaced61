using System.Text.Json.Serialization;

namespace ThreatResponse.Cli.Demo;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(DemoResult))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
