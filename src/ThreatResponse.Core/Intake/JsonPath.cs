using System.Text;

namespace ThreatResponse.Core.Intake;

/// <summary>Builds JSON paths for error messages, and quotes untrusted text safely into them.</summary>
internal static class JsonPath
{
    public const string Root = "$";

    /// <summary>
    /// <paramref name="parent"/>'s property <paramref name="name"/>. A name can come from the input (a tag key), and the
    /// path is logged beside the message: a name that is not plain (or longer than 64 characters) is escaped and cut as
    /// <see cref="Escape"/> does.
    /// </summary>
    public static string Property(string parent, string name) =>
        IsPlainName(name) ? $"{parent}.{name}" : $"{parent}['{Escape(name, 64)}']";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>
    /// Untrusted text as it may appear in an error: at most 64 characters, quoted, escaped by <see cref="Escape"/>.
    /// </summary>
    public static string Quote(string text) => $"'{Escape(text, 64)}'";

    /// <summary>
    /// Untrusted text made safe for an error message: at most <paramref name="max"/> characters, control and invisible
    /// format characters and the Unicode line and paragraph separators (U+2028, U+2029) escaped, so an event cannot forge
    /// log lines or hide what it contains.
    /// </summary>
    public static string Escape(string text, int max)
    {
        var builder = new StringBuilder(Math.Min(text.Length, max) + 8);
        var shown = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (shown++ == max)
            {
                builder.Append("…(").Append(text.Length).Append(" chars)");
                break;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsControl(rune) || category is System.Globalization.UnicodeCategory.Format
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator)
            {
                builder.Append($"\\u{rune.Value:X4}");
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length is 0 or > 64 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
