using System.Text.Json;
using System.Text.Json.Nodes;

namespace ThreatResponse.Testing.CloudFormation;

/// <summary>
/// EventBridge's documented rules for an event pattern (user guide, "Event patterns" and "Comparison operators for
/// use in event patterns"; quotas, "Event pattern size"), which moto does not enforce: every leaf is a non-empty
/// array of match values; <c>numeric</c> takes operator/number pairs whose operands are JSON numbers within
/// ±5.0e9; <c>exists</c> is a boolean; <c>prefix</c>, <c>suffix</c>, <c>wildcard</c>, <c>equals-ignore-case</c> and
/// <c>cidr</c> take strings; <c>anything-but</c> a string, number, list of either, or a prefix/suffix/wildcard/
/// equals-ignore-case object; <c>$or</c> at least two patterns; the pattern at most 2,048 characters (the default quota).
/// Not checked: the combination-count limit of <c>$or</c> (our patterns use none).
/// </summary>
public static class EventPatternRules
{
    public const int MaxPatternLength = 2048;
    private const double NumericLimit = 5.0e9;
    private static readonly string[] NumericOperators = ["<", "<=", "=", ">", ">="];

    /// <summary>
    /// The pattern as EventBridge receives it from CloudFormation's <c>EventPattern</c> (a JSON-typed property: an
    /// object is serialized as is, a string is taken as the JSON text), and every rule it breaks.
    /// </summary>
    public static IReadOnlyList<string> Violations(JsonNode? eventPattern)
    {
        JsonNode? pattern;
        try
        {
            pattern = eventPattern is JsonValue v && v.TryGetValue(out string? text) ? JsonNode.Parse(text) : eventPattern;
        }
        catch (JsonException e)
        {
            return [$"the pattern is not valid JSON: {e.Message}"];
        }

        var errors = new List<string>();
        if (pattern is not JsonObject root || root.Count == 0)
        {
            errors.Add("the pattern must be a non-empty JSON object");
            return errors;
        }

        var length = root.ToJsonString().Length;
        if (length > MaxPatternLength)
        {
            errors.Add($"the pattern is {length} characters, over EventBridge's default limit of {MaxPatternLength}");
        }

        CheckFields(root, "$", errors);
        return errors;
    }

    private static void CheckFields(JsonObject fields, string path, List<string> errors)
    {
        foreach (var (name, value) in fields)
        {
            var here = $"{path}.{name}";
            if (name == "$or")
            {
                if (value is not JsonArray alternatives || alternatives.Count < 2 || alternatives.Any(a => a is not JsonObject))
                {
                    errors.Add($"{here}: $or takes an array of at least two patterns");
                    continue;
                }

                for (var i = 0; i < alternatives.Count; i++)
                {
                    CheckFields(alternatives[i]!.AsObject(), $"{here}[{i}]", errors);
                }

                continue;
            }

            switch (value)
            {
                case JsonObject nested:
                    CheckFields(nested, here, errors);
                    break;
                case JsonArray { Count: 0 }:
                    errors.Add($"{here}: an empty array matches nothing");
                    break;
                case JsonArray matches:
                    for (var i = 0; i < matches.Count; i++)
                    {
                        CheckMatch(matches[i], $"{here}[{i}]", errors);
                    }

                    break;
                default:
                    errors.Add($"{here}: match values must be in an array, not {Kind(value)}");
                    break;
            }
        }
    }

    private static void CheckMatch(JsonNode? match, string path, List<string> errors)
    {
        if (match is null or JsonValue)
        {
            return; // exact match on a string, number, boolean or null
        }

        if (match is not JsonObject { Count: 1 } filter)
        {
            errors.Add($"{path}: a match value is a scalar or an object with exactly one operator, not {Kind(match)}");
            return;
        }

        var (op, operand) = filter.First();
        var here = $"{path}.{op}";
        switch (op)
        {
            case "numeric":
                CheckNumeric(operand, here, errors);
                break;
            case "exists":
                if (operand?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{here}: exists takes true or false, not {Kind(operand)}");
                }

                break;
            case "prefix" or "suffix":
                if (!IsString(operand) && !(operand is JsonObject { Count: 1 } o && o["equals-ignore-case"] is var e && IsString(e)))
                {
                    errors.Add($"{here}: {op} takes a string (or {{\"equals-ignore-case\": string}}), not {Kind(operand)}");
                }

                break;
            case "wildcard" or "equals-ignore-case" or "cidr":
                if (!IsString(operand))
                {
                    errors.Add($"{here}: {op} takes a string, not {Kind(operand)}");
                }

                break;
            case "anything-but":
                CheckAnythingBut(operand, here, errors);
                break;
            default:
                errors.Add($"{here}: {op} is not an EventBridge comparison operator");
                break;
        }
    }

    private static void CheckNumeric(JsonNode? operand, string path, List<string> errors)
    {
        if (operand is not JsonArray pairs || pairs.Count is not (2 or 4))
        {
            errors.Add($"{path}: numeric takes [operator, number] or [operator, number, operator, number], not {Kind(operand)}");
            return;
        }

        for (var i = 0; i < pairs.Count; i += 2)
        {
            if (!IsString(pairs[i]) || !NumericOperators.Contains(pairs[i]!.GetValue<string>(), StringComparer.Ordinal))
            {
                errors.Add($"{path}[{i}]: {pairs[i]?.ToJsonString() ?? "null"} is not one of {string.Join(" ", NumericOperators)}");
            }

            if (pairs[i + 1]?.GetValueKind() != JsonValueKind.Number)
            {
                errors.Add($"{path}[{i + 1}]: a numeric operand must be a JSON number, not {Kind(pairs[i + 1])} (a Ref to a parameter is a string)");
            }
            else if (Math.Abs(pairs[i + 1]!.GetValue<double>()) > NumericLimit)
            {
                errors.Add($"{path}[{i + 1}]: {pairs[i + 1]!.ToJsonString()} is outside ±5.0e9");
            }
        }
    }

    private static void CheckAnythingBut(JsonNode? operand, string path, List<string> errors)
    {
        switch (operand)
        {
            case JsonValue v when v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number:
                return;
            case JsonArray list when list.Count > 0 && (list.All(IsString) || list.All(i => i?.GetValueKind() == JsonValueKind.Number)):
                return;
            case JsonObject { Count: 1 } o when o.First() is var (key, value) && key is "prefix" or "suffix" or "wildcard" or "equals-ignore-case"
                && (IsString(value) || (key is "wildcard" or "equals-ignore-case" && value is JsonArray l && l.Count > 0 && l.All(IsString))):
                return;
            default:
                errors.Add($"{path}: anything-but takes a string, a number, a list of strings or of numbers, or a prefix/suffix/wildcard/equals-ignore-case object, not {Kind(operand)}");
                return;
        }
    }

    private static bool IsString(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String;

    private static string Kind(JsonNode? node) => node is null ? "null" : $"{node.GetValueKind().ToString().ToLowerInvariant()} {node.ToJsonString()}";
}
