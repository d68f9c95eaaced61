using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ThreatResponse.Testing.CloudFormation;

/// <summary>
/// Whether an event pattern matches an event, by EventBridge's documented rules (user guide, "Event patterns",
/// "Matching on multiple field values", "Comparison operators"), for the patterns moto_server 5.2 does not match:
/// moto does not descend into arrays of objects, which EventBridge does — a field under <c>detail.findings</c>
/// matches when any finding's value matches, as Security Hub's documented rules (<c>"detail": {"findings": {...}}</c>)
/// rely on. Fields of one pattern object may be matched by different elements of such an array, as in EventBridge.
/// Operators: exact values, <c>prefix</c>, <c>suffix</c>, <c>equals-ignore-case</c>, <c>numeric</c>, <c>exists</c>,
/// <c>anything-but</c> (values or a prefix), <c>$or</c>; any other fails loudly.
/// </summary>
public static class EventPatternMatcher
{
    /// <param name="eventPattern">The pattern as a JSON object or as JSON text (CloudFormation's <c>EventPattern</c>).</param>
    public static bool Matches(JsonNode eventPattern, JsonNode @event)
    {
        ArgumentNullException.ThrowIfNull(eventPattern);
        var pattern = eventPattern is JsonValue text ? JsonNode.Parse(text.GetValue<string>())! : eventPattern;
        return MatchObject(pattern.AsObject(), [@event]);
    }

    /// <summary><paramref name="nodes"/>: the event's values at this level, several once an array of objects was crossed.</summary>
    private static bool MatchObject(JsonObject pattern, IReadOnlyList<JsonNode?> nodes)
    {
        foreach (var (key, value) in pattern)
        {
            if (key == "$or")
            {
                if (!value!.AsArray().Any(alternative => MatchObject(alternative!.AsObject(), nodes)))
                {
                    return false;
                }

                continue;
            }

            var children = nodes.OfType<JsonObject>().Where(n => n.ContainsKey(key)).SelectMany(n => Flatten(n[key])).ToList();
            var matched = value switch
            {
                JsonObject nested => MatchObject(nested, children),
                JsonArray leaf => leaf.Any(matcher => MatchLeaf(matcher, children)),
                _ => throw new NotSupportedException($"pattern field {key} is neither an object nor an array"),
            };
            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<JsonNode?> Flatten(JsonNode? node) => node is JsonArray array ? array.SelectMany(Flatten) : [node];

    private static bool MatchLeaf(JsonNode? matcher, List<JsonNode?> values)
    {
        if (matcher is not JsonObject comparison)
        {
            return values.Any(v => SameValue(matcher, v));
        }

        var (name, operand) = comparison.Single();
        return name switch
        {
            "exists" => operand!.GetValue<bool>() == (values.Count > 0),
            "prefix" => values.Any(v => Text(v) is { } s && s.StartsWith(operand!.GetValue<string>(), StringComparison.Ordinal)),
            "suffix" => values.Any(v => Text(v) is { } s && s.EndsWith(operand!.GetValue<string>(), StringComparison.Ordinal)),
            "equals-ignore-case" => values.Any(v => Text(v) is { } s && string.Equals(s, operand!.GetValue<string>(), StringComparison.OrdinalIgnoreCase)),
            "numeric" => values.Any(v => Number(v) is { } n && InRange(n, operand!.AsArray())),
            "anything-but" => values.Count > 0 && values.Any(v => !Excluded(operand, v)),
            _ => throw new NotSupportedException($"operator {name} is not matched by this checker; teach EventPatternMatcher before using it"),
        };
    }

    private static bool Excluded(JsonNode? operand, JsonNode? value) => operand switch
    {
        JsonArray list => list.Any(item => SameValue(item, value)),
        JsonObject { Count: 1 } prefix when prefix.ContainsKey("prefix") => Text(value) is { } s && s.StartsWith(prefix["prefix"]!.GetValue<string>(), StringComparison.Ordinal),
        JsonObject other => throw new NotSupportedException($"anything-but {other.ToJsonString()} is not matched by this checker"),
        _ => SameValue(operand, value),
    };

    private static bool InRange(double number, JsonArray conditions)
    {
        for (var i = 0; i < conditions.Count; i += 2)
        {
            var bound = conditions[i + 1]!.GetValue<double>();
            var holds = conditions[i]!.GetValue<string>() switch
            {
                "<" => number < bound,
                "<=" => number <= bound,
                "=" => number == bound,
                ">" => number > bound,
                ">=" => number >= bound,
                var op => throw new NotSupportedException($"numeric operator {op}"),
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Exact matching: strings to strings, numbers to numbers by value, true/false/null to themselves.</summary>
    private static bool SameValue(JsonNode? expected, JsonNode? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }

        var (kind, other) = (expected.GetValueKind(), actual.GetValueKind());
        return kind == JsonValueKind.Number
            ? Number(actual) is { } n && n == expected.GetValue<double>()
            : kind == other && kind switch
            {
                JsonValueKind.String => expected.GetValue<string>() == actual.GetValue<string>(),
                JsonValueKind.True or JsonValueKind.False => true,
                _ => false,
            };
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) : null;
}
