using System.Diagnostics.CodeAnalysis;

namespace ThreatResponse.Core.Findings;

/// <summary>
/// An EC2 instance id: <c>i-</c> followed by 8 or 17 lowercase hexadecimal digits, exactly as EC2 issues them.
/// A value object because a wrong string here would make containment act on the wrong thing.
/// </summary>
public readonly record struct InstanceId
{
    private InstanceId(string value) => Value = value;

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out InstanceId? instanceId)
    {
        instanceId = null;
        if (text is null || !IsWellFormed(text))
        {
            return false;
        }

        instanceId = new InstanceId(text);
        return true;
    }

    /// <exception cref="FormatException">The text is not an EC2 instance id.</exception>
    public static InstanceId Parse(string text) =>
        TryParse(text, out var id) ? id.Value : throw new FormatException($"'{text}' is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits).");

    public override string ToString() => Value;

    private static bool IsWellFormed(string text)
    {
        if (text.Length is not (10 or 19) || !text.StartsWith("i-", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in text.AsSpan(2))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
