using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using ThreatResponse.Core.Intake;

namespace ThreatResponse.Fuzz;

/// <summary>
/// The fuzz target, shared by every mode: one input through <see cref="FindingEventParser.Parse"/>. The parser must return
/// normally for any bytes; anything it throws escapes from here and is the crash. Past that, the result must be
/// well-formed, or <see cref="IntakeContractException"/> is thrown.
/// </summary>
internal static class IntakeTarget
{
    /// <summary>Longest error message accepted: the parser cuts quoted input, so no input makes a long message.</summary>
    public const int MaxMessageLength = 1024;

    public static IntakeResult Run(ReadOnlySpan<byte> input)
    {
        // Parse takes memory, not a span: the copy is what a caller holding a byte[] would pass.
        var result = FindingEventParser.Parse(input.ToArray());
        Check(result);
        return result;
    }

    /// <summary>Exactly one of event and error; an event has findings; an error has a short, log-safe path and message.</summary>
    public static void Check([NotNull] IntakeResult? result)
    {
        if (result is null)
        {
            throw new IntakeContractException("Parse returned null");
        }

        if (result.IsSuccess)
        {
            if (result.Error is not null)
            {
                throw new IntakeContractException($"an accepted event also carries an error: {result.Error}");
            }

            if (result.Event.Findings.Count == 0)
            {
                throw new IntakeContractException("an accepted event has no findings");
            }

            return;
        }

        var error = result.Error;
        if (string.IsNullOrEmpty(error.Path) || !error.Path.StartsWith('$'))
        {
            throw new IntakeContractException($"the error's path is not a JSON path: '{Visible(error.Path)}'");
        }

        // The path is logged beside the message (IntakeError.ToString), so it is held to the same rules.
        if (error.Path.Length > MaxMessageLength || error.Path.Any(IsUnsafeInLog))
        {
            throw new IntakeContractException($"the error's path is {error.Path.Length} characters long or has a control or invisible character: '{Visible(error.Path)}'");
        }

        if (string.IsNullOrWhiteSpace(error.Message))
        {
            throw new IntakeContractException($"the error at {Visible(error.Path)} has no message");
        }

        if (error.Message.Length > MaxMessageLength)
        {
            throw new IntakeContractException($"the error at {Visible(error.Path)} has a message of {error.Message.Length} characters");
        }

        if (error.Message.Any(IsUnsafeInLog))
        {
            throw new IntakeContractException($"the error at {Visible(error.Path)} has a control or invisible character in its message: '{Visible(error.Message)}'");
        }
    }

    /// <summary>A control, format (bidi, zero-width) or line/paragraph separator character: could forge or hide a log line.</summary>
    public static bool IsUnsafeInLog(char c) =>
        char.IsControl(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>Text shown in our own report, with unsafe characters escaped and cut to 200 characters.</summary>
    private static string Visible(string? text)
    {
        if (text is null)
        {
            return "(null)";
        }

        var builder = new StringBuilder();
        foreach (var c in text.Length > 200 ? text[..200] : text)
        {
            builder.Append(IsUnsafeInLog(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return builder.ToString();
    }
}

/// <summary>The parser returned, but its result breaks the contract <see cref="IntakeTarget.Check"/> states.</summary>
#pragma warning disable CA1064 // Internal on purpose: only the fuzz program throws and reports it.
internal sealed class IntakeContractException(string message) : Exception(message);
#pragma warning restore CA1064
