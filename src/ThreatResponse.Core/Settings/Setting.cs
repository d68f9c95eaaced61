using System.Globalization;
using System.Text.RegularExpressions;

namespace ThreatResponse.Core.Settings;

/// <summary>
/// One environment variable as it is declared: its name, kind, default and allowed values (as docs/configuration.md
/// states them, which a test checks), who reads it and what it means. Unset or blank means the default; a value that
/// is set and not allowed is an error, never replaced by the default.
/// </summary>
public abstract record Setting(string Name, string Kind, string Default, string Allowed, string UsedBy, string Meaning)
{
    /// <summary>The shown default when there is none: the feature is off or the value is looked up another way.</summary>
    public const string NoDefault = "(unset)";
}

/// <summary>A setting with its parser: text in, value or the reason it is not allowed out.</summary>
public sealed record Setting<T>(string Name, string Kind, T DefaultValue, string Default, string Allowed, string UsedBy, string Meaning, Func<string, (T Value, bool Ok)> Parse)
    : Setting(Name, Kind, Default, Allowed, UsedBy, Meaning)
{
    /// <summary>The value, the default when unset or blank; a value not allowed is added to <paramref name="errors"/> and the default returned.</summary>
    public T Read(Func<string, string?> variables, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(errors);
        var raw = variables(Name);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return DefaultValue;
        }

        var (value, ok) = Parse(raw.Trim());
        if (!ok)
        {
            errors.Add($"{Name}='{raw}' is not allowed: {Allowed}");
            return DefaultValue;
        }

        return value;
    }
}

/// <summary>What every setting says of itself whatever its kind: its name, who reads it, what it means.</summary>
internal sealed record SettingAbout(string Name, string UsedBy, string Meaning);

/// <summary>The kinds of setting, each with one parsing rule, so every variable of a kind is read the same way.</summary>
internal static class SettingKinds
{
    public static Setting<bool> Bool(SettingAbout about, bool defaultValue) =>
        new(about.Name, "bool", defaultValue, defaultValue ? "true" : "false", "true or false", about.UsedBy, about.Meaning, text => text.ToLowerInvariant() switch
        {
            "true" => (true, true),
            "false" => (false, true),
            _ => (false, false),
        });

    public static Setting<int> Int(SettingAbout about, int defaultValue, int min, int max) =>
        new(about.Name, "integer", defaultValue, defaultValue.ToString(CultureInfo.InvariantCulture), $"an integer from {min} to {max}", about.UsedBy, about.Meaning,
            text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? (v, true) : (0, false));

    public static Setting<int?> OptionalInt(SettingAbout about, int min, int max) =>
        new(about.Name, "integer", null, Setting.NoDefault, $"an integer from {min} to {max}", about.UsedBy, about.Meaning,
            text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? (v, true) : (null, false));

    public static Setting<long> Long(SettingAbout about, long defaultValue, long min, long max) =>
        new(about.Name, "integer", defaultValue, defaultValue.ToString(CultureInfo.InvariantCulture), $"an integer from {min} to {max}", about.UsedBy, about.Meaning,
            text => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? (v, true) : (0, false));

    /// <summary>A duration in seconds (fractions allowed), from <paramref name="min"/> (exclusive when <paramref name="minExclusive"/>) to <paramref name="max"/>.</summary>
    public static Setting<TimeSpan> Seconds(SettingAbout about, double defaultSeconds, double min, double max, bool minExclusive = false) =>
        new(about.Name, "seconds", TimeSpan.FromSeconds(defaultSeconds), Number(defaultSeconds),
            $"a number of seconds {(minExclusive ? "above" : "from")} {Number(min)} {(minExclusive ? "up " : "")}to {Number(max)}", about.UsedBy, about.Meaning,
            text => ParseNumber(text, min, max, minExclusive) is { } v ? (TimeSpan.FromSeconds(v), true) : (TimeSpan.Zero, false));

    public static Setting<double> Number(SettingAbout about, double defaultValue, double min, double max) =>
        new(about.Name, "number", defaultValue, Number(defaultValue), $"a number above {Number(min)} up to {Number(max)}", about.UsedBy, about.Meaning,
            text => ParseNumber(text, min, max, minExclusive: true) is { } v ? (v, true) : (0, false));

    /// <summary>One of <paramref name="values"/>, case-insensitive unless <paramref name="caseSensitive"/>.</summary>
    public static Setting<string> OneOf(SettingAbout about, string defaultValue, string[] values, bool caseSensitive = false) =>
        new(about.Name, "enum", defaultValue, defaultValue, $"one of {string.Join(", ", values)}", about.UsedBy, about.Meaning,
            text => values.FirstOrDefault(v => string.Equals(v, text, caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase)) is { } v ? (v, true) : (string.Empty, false));

    /// <summary>A name or ARN that must match <paramref name="pattern"/> whole; <paramref name="defaultValue"/> null: optional.</summary>
    public static Setting<string?> Text(SettingAbout about, string kind, string? defaultValue, string pattern, string allowed) =>
        new(about.Name, kind, defaultValue, defaultValue ?? Setting.NoDefault, allowed, about.UsedBy, about.Meaning,
            text => Regex.IsMatch(text, $"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) ? (text, true) : (null, false));

    /// <summary>Any text: the value is checked where it is used (e.g. a playbook, whose errors are notified).</summary>
    public static Setting<string?> AnyText(SettingAbout about) =>
        new(about.Name, "text", null, Setting.NoDefault, "any text", about.UsedBy, about.Meaning, text => (text, true));

    private static double? ParseNumber(string text, double min, double max, bool minExclusive) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && (minExclusive ? v > min : v >= min) && v <= max ? v : null;

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
