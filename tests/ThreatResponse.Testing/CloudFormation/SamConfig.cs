using System.Text;
using System.Text.RegularExpressions;

namespace ThreatResponse.Testing.CloudFormation;

/// <summary>
/// The environments of samconfig.toml as <c>sam deploy --config-env NAME</c> reads them: the stack name
/// (<c>[NAME.global.parameters] stack_name</c>, or the deploy section's) and the parameter overrides
/// (<c>[NAME.deploy.parameters] parameter_overrides</c>, <c>Key=Value</c> pairs separated by spaces, values optionally
/// double-quoted). Only the TOML this file uses (sections, string and boolean keys) is read; anything else fails.
/// </summary>
public static partial class SamConfig
{
    public static IReadOnlyDictionary<string, StackDeployment> Environments(string path)
    {
        var values = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        string? section = null;
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (SectionLine().Match(line) is { Success: true } header)
            {
                section = header.Groups[1].Value;
                values.TryAdd(section, new Dictionary<string, string>(StringComparer.Ordinal));
                continue;
            }

            var pair = KeyValueLine().Match(line);
            if (!pair.Success)
            {
                throw new FormatException($"{path}:{lineNumber}: not a line this reader understands: {line}");
            }

            var key = pair.Groups[1].Value;
            var value = pair.Groups[2].Value;
            if (section is null)
            {
                continue; // top-level keys (version) name no environment
            }

            values[section][key] = value.StartsWith('"') ? Unquote(value) : value;
        }

        var environments = new Dictionary<string, StackDeployment>(StringComparer.Ordinal);
        foreach (var name in values.Keys.Select(s => s.Split('.')[0]).Distinct(StringComparer.Ordinal))
        {
            var global = values.GetValueOrDefault($"{name}.global.parameters") ?? [];
            var deploy = values.GetValueOrDefault($"{name}.deploy.parameters") ?? [];
            var stackName = deploy.GetValueOrDefault("stack_name") ?? global.GetValueOrDefault("stack_name")
                ?? throw new FormatException($"{path}: environment '{name}' names no stack_name");
            environments[name] = new StackDeployment(stackName, ParseOverrides(deploy.GetValueOrDefault("parameter_overrides") ?? "", $"{path} [{name}.deploy.parameters]"));
        }

        return environments;
    }

    /// <summary>SAM CLI's shorthand: <c>A=1 B="two words"</c>.</summary>
    public static Dictionary<string, string> ParseOverrides(string text, string where)
    {
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                throw new FormatException($"{where}: parameter_overrides: '{text[i..]}' is not Key=Value");
            }

            var key = text[i..equals];
            i = equals + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                var close = text.IndexOf('"', i + 1);
                if (close < 0)
                {
                    throw new FormatException($"{where}: parameter_overrides: the value of {key} has no closing quote");
                }

                value.Append(text, i + 1, close - i - 1);
                i = close + 1;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    value.Append(text[i++]);
                }
            }

            if (!overrides.TryAdd(key, value.ToString()))
            {
                throw new FormatException($"{where}: parameter_overrides: {key} is given twice");
            }
        }

        return overrides;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value.EndsWith('"') ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal)
            : throw new FormatException($"unterminated string {value}");

    [GeneratedRegex(@"^\[([A-Za-z0-9_.-]+)\]$")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^([A-Za-z0-9_-]+)\s*=\s*(""(?:[^""\\]|\\.)*""|true|false|[0-9.]+)$")]
    private static partial Regex KeyValueLine();
}
