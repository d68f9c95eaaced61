using System.Text.Json;
using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Findings;

/// <summary>Writes an <see cref="InstanceId"/> as its string; reads only well-formed ids.</summary>
public sealed class InstanceIdJsonConverter : JsonConverter<InstanceId>
{
    public override InstanceId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        InstanceId.TryParse(reader.GetString(), out var id)
            ? id.Value
            : throw new JsonException("Expected an EC2 instance id (i- followed by 8 or 17 lowercase hex digits).");

    public override void Write(Utf8JsonWriter writer, InstanceId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Value);
    }
}
