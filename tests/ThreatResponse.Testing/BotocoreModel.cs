using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ThreatResponse.Testing;

/// <summary>
/// An official AWS API model, as botocore ships it (<c>botocore/data/SERVICE/VERSION/service-2.json.gz</c>), and a
/// validator of request bodies against an operation's input shape: required members, types, enums, ranges, lengths,
/// patterns, and members the model does not know.
/// </summary>
public sealed class BotocoreModel
{
    private readonly JsonElement _shapes;
    private readonly JsonElement _operations;

    private BotocoreModel(JsonDocument document)
    {
        _shapes = document.RootElement.GetProperty("shapes");
        _operations = document.RootElement.GetProperty("operations");
        Metadata = document.RootElement.GetProperty("metadata");
    }

    public JsonElement Metadata { get; }

    /// <summary>The installed botocore's <c>data</c> folder (service models, <c>endpoints.json</c>).</summary>
    public static string DataDirectory => BotocoreDataDirectory.Value;

    /// <summary>Loads the newest model of <paramref name="service"/> from the installed botocore.</summary>
    public static BotocoreModel Load(string service)
    {
        var data = Path.Combine(BotocoreDataDirectory.Value, service);
        var version = Directory.GetDirectories(data).Order(StringComparer.Ordinal).Last();
        using var file = File.OpenRead(Path.Combine(version, "service-2.json.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        return new BotocoreModel(JsonDocument.Parse(gzip));
    }

    /// <summary>The operation's HTTP method and request path.</summary>
    public (string Method, string RequestUri) HttpOf(string operation)
    {
        var http = _operations.GetProperty(operation).GetProperty("http");
        return (http.GetProperty("method").GetString()!, http.GetProperty("requestUri").GetString()!);
    }

    /// <summary>The top-level members of the operation's input shape, and which of them are required.</summary>
    public (IReadOnlyList<string> Members, IReadOnlyList<string> Required) InputOf(string operation)
    {
        var input = _operations.GetProperty(operation).GetProperty("input").GetProperty("shape").GetString()!;
        var shape = _shapes.GetProperty(input);
        var members = shape.GetProperty("members").EnumerateObject().Select(p => p.Name).ToList();
        var required = shape.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
        return (members, required);
    }

    /// <summary>The name a member of a shape has on the wire (its <c>locationName</c>; the member's name when it has none).</summary>
    public string WireNameOf(string shapeName, string member)
    {
        var m = _shapes.GetProperty(shapeName).GetProperty("members").GetProperty(member);
        return m.TryGetProperty("locationName", out var wire) ? wire.GetString()! : member;
    }

    /// <summary>The shape a member of a structure, or the member of a list, refers to.</summary>
    public string ShapeOf(string shapeName, string? member = null)
    {
        var shape = _shapes.GetProperty(shapeName);
        var m = member is null ? shape.GetProperty("member") : shape.GetProperty("members").GetProperty(member);
        return m.GetProperty("shape").GetString()!;
    }

    /// <summary>Every way <paramref name="body"/> breaks the operation's input shape; empty when it conforms.</summary>
    public List<string> Validate(string operation, JsonElement body)
    {
        var errors = new List<string>();
        var input = _operations.GetProperty(operation).GetProperty("input").GetProperty("shape").GetString()!;
        Check(input, body, "$", errors);
        return errors;
    }

    /// <summary>
    /// Every way <paramref name="value"/> breaks <paramref name="shapeName"/> with members named as on the wire
    /// (<c>locationName</c>, camelCase for GuardDuty): how a finding appears in an EventBridge event's <c>detail</c>.
    /// </summary>
    public List<string> ValidateShape(string shapeName, JsonElement value)
    {
        var errors = new List<string>();
        Check(shapeName, value, "$", errors, byLocationName: true);
        return errors;
    }

    private void Check(string shapeName, JsonElement value, string path, List<string> errors, bool byLocationName = false)
    {
        var shape = _shapes.GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString();
        switch (type)
        {
            case "structure":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path}: expected an object ({shapeName})");
                    return;
                }

                // Wire name of each member: its locationName when it has one and they are asked for.
                var members = shape.GetProperty("members").EnumerateObject().ToDictionary(
                    m => byLocationName && m.Value.TryGetProperty("locationName", out var wire) ? wire.GetString()! : m.Name,
                    m => (Name: m.Name, Shape: m.Value.GetProperty("shape").GetString()!),
                    StringComparer.Ordinal);
                foreach (var required in shape.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [])
                {
                    var wireName = members.First(m => m.Value.Name == required).Key;
                    if (!value.TryGetProperty(wireName, out _))
                    {
                        errors.Add($"{path}.{wireName}: required by {shapeName}");
                    }
                }

                foreach (var property in value.EnumerateObject())
                {
                    if (!members.TryGetValue(property.Name, out var member))
                    {
                        errors.Add($"{path}.{property.Name}: not a member of {shapeName}");
                        continue;
                    }

                    Check(member.Shape, property.Value, $"{path}.{property.Name}", errors, byLocationName);
                }

                break;
            case "list":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    errors.Add($"{path}: expected an array ({shapeName})");
                    return;
                }

                CheckLength(shape, value.GetArrayLength(), path, errors);
                var item = shape.GetProperty("member").GetProperty("shape").GetString()!;
                var index = 0;
                foreach (var element in value.EnumerateArray())
                {
                    Check(item, element, $"{path}[{index++}]", errors, byLocationName);
                }

                break;
            case "map":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path}: expected a map ({shapeName})");
                    return;
                }

                CheckLength(shape, value.EnumerateObject().Count(), path, errors);
                var keyShape = shape.GetProperty("key").GetProperty("shape").GetString()!;
                var valueShape = shape.GetProperty("value").GetProperty("shape").GetString()!;
                foreach (var property in value.EnumerateObject())
                {
                    using var key = JsonDocument.Parse(JsonSerializer.Serialize(property.Name));
                    Check(keyShape, key.RootElement, $"{path}(key {property.Name})", errors, byLocationName);
                    Check(valueShape, property.Value, $"{path}.{property.Name}", errors, byLocationName);
                }

                break;
            case "string":
                if (value.ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{path}: expected a string ({shapeName})");
                    return;
                }

                var text = value.GetString()!;
                CheckLength(shape, text.Length, path, errors);
                if (shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == text))
                {
                    errors.Add($"{path}: '{text}' is not one of {string.Join(", ", values.EnumerateArray().Select(v => v.GetString()))}");
                }

                if (shape.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, $"^(?:{pattern.GetString()})$", RegexOptions.Singleline))
                {
                    errors.Add($"{path}: does not match /{pattern.GetString()}/");
                }

                break;
            case "integer" or "long" or "double" or "float":
                if (value.ValueKind != JsonValueKind.Number)
                {
                    errors.Add($"{path}: expected a number ({shapeName})");
                    return;
                }

                var number = value.GetDouble();
                if (shape.TryGetProperty("min", out var min) && number < min.GetDouble())
                {
                    errors.Add($"{path}: {number} is below {min}");
                }

                if (shape.TryGetProperty("max", out var max) && number > max.GetDouble())
                {
                    errors.Add($"{path}: {number} is above {max}");
                }

                break;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{path}: expected a boolean");
                }

                break;
            case "timestamp":
                if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                {
                    errors.Add($"{path}: expected a timestamp");
                }

                break;
            default:
                errors.Add($"{path}: shape type {type} is not checked by this validator");
                break;
        }
    }

    private static void CheckLength(JsonElement shape, int length, string path, List<string> errors)
    {
        if (shape.TryGetProperty("min", out var min) && length < min.GetInt32())
        {
            errors.Add($"{path}: length {length} is below {min}");
        }

        if (shape.TryGetProperty("max", out var max) && length > max.GetInt32())
        {
            errors.Add($"{path}: length {length} is above {max}");
        }
    }

    private static readonly Lazy<string> BotocoreDataDirectory = new(() =>
    {
        var start = new ProcessStartInfo(TestTools.Current.Python) { ArgumentList = { "-c", "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))" }, RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var path = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return Directory.Exists(path) ? path : throw new DirectoryNotFoundException("botocore is not installed (pip install botocore): its API models check requests moto cannot receive.");
    });
}
