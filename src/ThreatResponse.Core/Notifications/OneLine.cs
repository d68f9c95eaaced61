using System.Globalization;
using System.Text;

namespace ThreatResponse.Core.Notifications;

/// <summary>
/// Text that stays on its line: tag values, finding types and AWS messages are written by others (an attacker can tag
/// the instance), so a line break or control character in them is shown escaped (<c>\u000A</c>) instead of starting a
/// line of its own — no forged "Outcome: succeeded" in an e-mail or a finding note.
/// </summary>
public static class OneLine
{
    public static string Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(Breaks))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Breaks(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>A control character, or a Unicode line or paragraph separator: each can end or hide a line.</summary>
    private static bool Breaks(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
