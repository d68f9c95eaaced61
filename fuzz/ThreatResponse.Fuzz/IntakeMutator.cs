using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ThreatResponse.Fuzz;

/// <summary>
/// Seeded, blind mutation of intake inputs: byte flips, interesting bytes, truncations, deletions, duplications, splices
/// with another input, insertion of JSON tokens, and JSON-aware edits (a value replaced, removed, repeated or wrapped).
/// Deterministic for a given seed and input sequence. Not coverage-guided: it does not see which code an input reached.
/// </summary>
internal sealed class IntakeMutator(int seed)
{
    /// <summary>Largest input produced; the parser refuses anything over 256 KiB before reading it.</summary>
    public const int MaxLength = 64 * 1024;

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x1B, 0x20, 0x22, 0x2C, 0x2D, 0x2E, 0x30, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF8, 0xFE, 0xFF];

    /// <summary>JSON fragments and event vocabulary, inserted as raw text or used as replacement values.</summary>
    private static readonly string[] Tokens =
    [
        "null", "true", "false", "0", "-0", "1e400", "-1e400", "1e-400", "10.01", "100.5", "18446744073709551616", "\"NaN\"", "\"Infinity\"", "\"8,0\"",
        "\"\"", "\" \"", "[]", "{}", "[[[[[[[[", "]]]]]]]]", "{\"a\":{\"a\":{\"a\":", "\"\\uD800\"", "\"\\uDC00\"", "\"\\u0000\"", "\"\\u202E\"", "\"\\u2028\"",
        "\"\\\\\"", "\"\\\"\"", "\"\u00E9\u0131\uFF11\"", "\"\U0001F600\"", ",", ":", "\"", "\\", "\\u", "/*", "*/", "\uFEFF",
        "\"detail-type\"", "\"source\"", "\"detail\"", "\"findings\"", "\"resources\"", "\"Resources\"", "\"Severity\"", "\"Tags\"", "\"tags\"",
        "\"GuardDuty Finding\"", "\"Security Hub Findings - Custom Action\"", "\"Security Hub Findings - Imported\"",
        "\"aws.guardduty\"", "\"aws.securityhub\"", "\"Instance\"", "\"AwsEc2Instance\"", "\"TARGET\"", "\"ACTOR\"", "\"CRITICAL\"", "\"LOW,MEDIUM\"",
        "\"i-0123456789abcdef0\"", "\"i-01234567\"", "\"123456789012\"", "\"us-east-1\"", "\"aws\"", "\"aws-us-gov\"",
        "\"arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0\"", "\"arn:aws::ec2:us-east-1:123456789012:instance/i-01234567\"",
        "\"arn:aws:securityhub:us-east-1:123456789012:action/custom/contain\"", "\"arn:aws:securityhub:us-east-1::product/aws/guardduty\"",
        "\"TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce\"", "\"arn:\"", "\"arn:::::::\"", "\"{\\\"sample\\\":true}\"",
    ];

    private static readonly string[] ValueTokens = [.. Tokens.Where(IsValue)];

    private readonly Random _random = new(seed);

    /// <summary>One to four stacked mutations of <paramref name="input"/>; <paramref name="other"/> is the splice partner.</summary>
    public byte[] Mutate(byte[] input, byte[] other)
    {
        var data = new List<byte>(input);
        var count = 1 + _random.Next(4);
        for (var i = 0; i < count; i++)
        {
            MutateOnce(data, other);
            if (data.Count > MaxLength)
            {
                data.RemoveRange(MaxLength, data.Count - MaxLength);
            }
        }

        return [.. data];
    }

    private void MutateOnce(List<byte> data, byte[] other)
    {
        switch (_random.Next(data.Count == 0 ? 2 : 12))
        {
            case 0:
                data.InsertRange(Position(data), Encoding.UTF8.GetBytes(Pick(Tokens)));
                break;
            case 1:
                data.InsertRange(Position(data), other.AsSpan(0, _random.Next(other.Length + 1)).ToArray());
                break;
            case 2:
                var bit = _random.Next(data.Count * 8);
                data[bit / 8] ^= (byte)(1 << (bit % 8));
                break;
            case 3:
                data[_random.Next(data.Count)] = Pick(InterestingBytes);
                break;
            case 4:
                var cut = _random.Next(data.Count);
                data.RemoveRange(cut, data.Count - cut);
                break;
            case 5:
                var start = _random.Next(data.Count);
                data.RemoveRange(start, _random.Next(Math.Min(data.Count - start, 64) + 1));
                break;
            case 6:
                var from = _random.Next(data.Count);
                var length = _random.Next(Math.Min(data.Count - from, 256) + 1);
                var copy = data.GetRange(from, length);
                var times = _random.Next(8) == 0 ? 40 : 1;
                for (var t = 0; t < times; t++)
                {
                    data.InsertRange(Position(data), copy);
                }

                break;
            case 7:
                // Splice: this input's head, the other's tail.
                var head = _random.Next(data.Count + 1);
                data.RemoveRange(head, data.Count - head);
                data.AddRange(other.AsSpan(_random.Next(other.Length + 1)).ToArray());
                break;
            default:
                if (!MutateJson(data))
                {
                    data.InsertRange(Position(data), Encoding.UTF8.GetBytes(Pick(Tokens)));
                }

                break;
        }
    }

    /// <summary>Parses the input as JSON and edits one value; false (nothing changed) when it is not JSON the node API takes.</summary>
    private bool MutateJson(List<byte> data)
    {
        try
        {
            return TryMutateJson(data);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // Duplicate keys, unpaired surrogates, too deep: the byte-level mutations handle those inputs.
            return false;
        }
    }

    private bool TryMutateJson(List<byte> data)
    {
        var root = JsonNode.Parse(data.ToArray(), documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        if (root is null)
        {
            return false;
        }

        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = Pick(nodes);
        var parent = target.Parent;
        string text;
        if (parent is null)
        {
            text = ValueFor(target)?.ToJsonString() ?? "null";
        }
        else
        {
            switch (_random.Next(5))
            {
                case 0 when parent is JsonObject obj:
                    obj.Remove(target.GetPropertyName());
                    break;
                case 1 when parent is JsonArray array:
                    var clone = target.DeepClone();
                    var copies = _random.Next(4) == 0 ? 100 : 1;
                    for (var i = 0; i < copies; i++)
                    {
                        array.Add(clone.DeepClone());
                    }

                    break;
                case 2:
                    Replace(target, new JsonArray(target.DeepClone()));
                    break;
                case 3 when parent is JsonObject obj:
                    obj[RandomName()] = ValueFor(target);
                    break;
                default:
                    Replace(target, ValueFor(target));
                    break;
            }

            text = root.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        }

        data.Clear();
        data.AddRange(Encoding.UTF8.GetBytes(text));
        return true;
    }

    /// <summary>A replacement value: a token, a copy of the node's own text changed, or another shape.</summary>
    private JsonNode? ValueFor(JsonNode target) => _random.Next(6) switch
    {
        0 => JsonNode.Parse(Pick(ValueTokens)),
        1 when target.GetValueKind() == JsonValueKind.String => JsonValue.Create(Twist(target.GetValue<string>())),
        2 => JsonValue.Create(_random.Next(3) switch { 0 => _random.Next(-2, 102), 1 => _random.NextDouble() * 12, _ => -_random.NextDouble() }),
        3 => new JsonObject(),
        4 => JsonValue.Create(new string((char)_random.Next(0x20, 0x3000), _random.Next(1, 600))),
        _ => null,
    };

    /// <summary>The text changed by one character: cut, upper-cased, padded, or with an odd character put in.</summary>
    private string Twist(string text)
    {
        if (text.Length == 0)
        {
            return "\u200B";
        }

        var at = _random.Next(text.Length);
        return _random.Next(5) switch
        {
            0 => text[..at],
            1 => text.ToUpperInvariant(),
            2 => text + " ",
            3 => text.Insert(at, Pick(["\n", "\u202E", "\u200B", "\u2028", "\u0000", "\uFF10", ":", "/", "-", "\uD800"])),
            _ => text.Remove(at, 1),
        };
    }

    private string RandomName() => Pick(["detail-type", "source", "id", "account", "region", "detail", "findings", "resources", "Tags", "Severity", "Label", "Normalized", "Sample", "sample", "value", "\n", "\u202E", "a'b", "$", ""]);

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject obj:
                obj[target.GetPropertyName()] = value;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = value;
                break;
            default:
                break;
        }
    }

    private static bool IsValue(string token)
    {
        try
        {
            using var document = JsonDocument.Parse(token);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            default:
                break;
        }
    }

    private int Position(List<byte> data) => _random.Next(data.Count + 1);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
