using System.Text.Json;

namespace ThreatResponse.Core.Intake;

/// <summary>Indexed access to a JSON array whose length was already bounded by <see cref="JsonObjectReader.RequiredArray"/>.</summary>
internal readonly struct JsonArrayReader(JsonElement array, string path)
{
    public int Count => array.GetArrayLength();

    public JsonObjectReader ObjectAt(int index) => new(array[index], JsonPath.Index(path, index));

    public string StringAt(int index, int maxLength = IntakeLimits.MaxFieldLength)
    {
        var item = array[index];
        var itemPath = JsonPath.Index(path, index);
        if (item.ValueKind != JsonValueKind.String)
        {
            throw new IntakeException(itemPath, $"expected a string, found {JsonObjectReader.Describe(item.ValueKind)}");
        }

        var text = JsonObjectReader.TextOf(item, itemPath);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new IntakeException(itemPath, "must not be empty");
        }

        return text.Length <= maxLength
            ? text
            : throw new IntakeException(itemPath, $"is {text.Length} characters long; at most {maxLength} are accepted");
    }
}
