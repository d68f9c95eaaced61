using System.Globalization;
using System.Text.Json;

namespace ThreatResponse.Core.Intake;

/// <summary>
/// Reads fields of one JSON object, tolerating what real findings do (numbers as strings, nulls for absent values)
/// and failing with the JSON path of the offending field.
/// </summary>
internal readonly struct JsonObjectReader
{
    private readonly JsonElement _element;

    public JsonObjectReader(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new IntakeException(path, $"expected an object, found {Describe(element.ValueKind)}");
        }

        _element = element;
        Path = path;
    }

    public string Path { get; }

    public IntakeException Error(string name, string message) => new(JsonPath.Property(Path, name), message);

    public string RequiredString(string name, int maxLength = IntakeLimits.MaxFieldLength) =>
        OptionalString(name, maxLength) ?? throw Error(name, "is required");

    /// <summary>The string, or null when the field is absent or null. Empty or blank strings are refused unless <paramref name="allowEmpty"/>.</summary>
    public string? OptionalString(string name, int maxLength = IntakeLimits.MaxFieldLength, bool allowEmpty = false)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Error(name, $"expected a string, found {Describe(value.ValueKind)}");
        }

        var text = TextOf(value, JsonPath.Property(Path, name));
        if (text.Length > maxLength)
        {
            throw Error(name, $"is {text.Length} characters long; at most {maxLength} are accepted");
        }

        return string.IsNullOrWhiteSpace(text) && !allowEmpty ? throw Error(name, "must not be empty") : text;
    }

    /// <summary>
    /// Instance tags, given either as GuardDuty's list of <c>{"key","value"}</c> or as ASFF's object of key to value.
    /// Empty when absent. At most EC2's 50 tags, keys of 128 and values of 256 characters.
    /// </summary>
    public IReadOnlyDictionary<string, string> OptionalTags(string name)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return tags;
        }

        var path = JsonPath.Property(Path, name);
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                var tag = new JsonObjectReader(value, path);
                Add(property.Name, tag.OptionalString(property.Name, 256, allowEmpty: true) ?? string.Empty, JsonPath.Property(path, property.Name));
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            var list = RequiredArray(name, 0, 50);
            for (var i = 0; i < list.Count; i++)
            {
                var tag = list.ObjectAt(i);
                Add(tag.RequiredString("key", 128), tag.OptionalString("value", 256, allowEmpty: true) ?? string.Empty, tag.Path);
            }
        }
        else
        {
            throw Error(name, $"expected tags as a list or an object, found {Describe(value.ValueKind)}");
        }

        return tags;

        void Add(string key, string text, string at)
        {
            if (tags.Count == 50 || key.Length > 128)
            {
                throw new IntakeException(at, tags.Count == 50 ? "more than EC2's 50 tags" : "tag key longer than 128 characters");
            }

            tags[key] = text;
        }
    }

    /// <summary>A number, also when sent as a numeric string ("8.0"). Null when absent or null.</summary>
    public double? OptionalNumber(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        double number;
        if (value.ValueKind == JsonValueKind.Number)
        {
            number = value.GetDouble();
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            var text = TextOf(value, JsonPath.Property(Path, name));
            if (text.Length > 32 || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
            {
                throw Error(name, $"expected a number, found the string {JsonPath.Quote(text)}");
            }
        }
        else
        {
            throw Error(name, $"expected a number, found {Describe(value.ValueKind)}");
        }

        return double.IsFinite(number) ? number : throw Error(name, "expected a finite number");
    }

    public double RequiredNumber(string name) => OptionalNumber(name) ?? throw Error(name, "is required");

    /// <summary>A boolean, also when sent as "true"/"false". Null when absent or null.</summary>
    public bool? OptionalBoolean(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when string.Equals(TextOf(value, JsonPath.Property(Path, name)), "true", StringComparison.OrdinalIgnoreCase) => true,
            JsonValueKind.String when string.Equals(TextOf(value, JsonPath.Property(Path, name)), "false", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw Error(name, $"expected true or false, found {Describe(value.ValueKind)}"),
        };
    }

    public JsonObjectReader? OptionalObject(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return new JsonObjectReader(value, JsonPath.Property(Path, name));
    }

    public JsonObjectReader RequiredObject(string name) => OptionalObject(name) ?? throw Error(name, "is required");

    /// <summary>The array's elements, or null when absent; refuses one with more than <paramref name="maxItems"/>.</summary>
    public JsonArrayReader? OptionalArray(string name, int maxItems) =>
        TryGet(name, out var value) && value.ValueKind != JsonValueKind.Null ? RequiredArray(name, 0, maxItems) : null;

    /// <summary>The array's elements; refuses a missing array, one with fewer than <paramref name="minItems"/> or more than <paramref name="maxItems"/>.</summary>
    public JsonArrayReader RequiredArray(string name, int minItems, int maxItems)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Error(name, "is required");
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Error(name, $"expected an array, found {Describe(value.ValueKind)}");
        }

        var count = value.GetArrayLength();
        if (count < minItems)
        {
            throw Error(name, $"has {count} entries; at least {minItems} expected");
        }

        if (count > maxItems)
        {
            throw Error(name, $"has {count} entries; at most {maxItems} are accepted");
        }

        return new JsonArrayReader(value, JsonPath.Property(Path, name));
    }

    /// <summary>
    /// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>, which throws <see cref="InvalidOperationException"/>
    /// when it meets a property name holding an unpaired surrogate escape (<c>{"\uD800": 1}</c>): refused here instead.
    /// </summary>
    private bool TryGet(string name, out JsonElement value)
    {
        try
        {
            return _element.TryGetProperty(name, out value);
        }
        catch (InvalidOperationException)
        {
            throw new IntakeException(Path, "has a property name that is not valid Unicode text (an unpaired surrogate)");
        }
    }

    /// <summary>
    /// A string element's text. <see cref="JsonElement.GetString"/> throws <see cref="InvalidOperationException"/> for
    /// invalid UTF-8 or an unpaired surrogate escape (<c>"\uD800"</c>), which the JSON reader lets through: refused here instead.
    /// </summary>
    internal static string TextOf(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new IntakeException(path, "is not valid Unicode text (invalid UTF-8 or an unpaired surrogate)");
        }
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
