using System.Text.Json;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>
/// Turns an EventBridge event — <c>GuardDuty Finding</c>, <c>Security Hub Findings - Custom Action</c> or
/// <c>Security Hub Findings - Imported</c> — into normalized findings. Never throws for bad input: the result carries an
/// <see cref="IntakeError"/> naming the JSON path and what is wrong.
/// </summary>
public static class FindingEventParser
{
    private const string GuardDutyFindingType = "GuardDuty Finding";
    private const string CustomActionType = "Security Hub Findings - Custom Action";
    private const string ImportedType = "Security Hub Findings - Imported";
    private const string ImportedV2Type = "Findings Imported V2";

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = IntakeLimits.MaxDepth,

        // Two values for one key (two instanceIds, two severities) would let an event say one thing and mean another.
        AllowDuplicateProperties = false,
    };

    /// <summary>Parses UTF-8 JSON (a leading byte-order mark is allowed).</summary>
    public static IntakeResult Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Length > IntakeLimits.MaxEventBytes)
        {
            return Fail(JsonPath.Root, $"the event is {utf8Json.Length} bytes; EventBridge events are at most {IntakeLimits.MaxEventBytes}");
        }

        if (utf8Json.Span.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }

        try
        {
            using var document = JsonDocument.Parse(utf8Json, DocumentOptions);
            return IntakeResult.Success(ReadEvent(new JsonObjectReader(document.RootElement, JsonPath.Root)));
        }
        catch (IntakeException e)
        {
            return IntakeResult.Failure(e.Error);
        }
        catch (JsonException e)
        {
            // The reader's message quotes the offending input verbatim (an invalid literal can be the whole event): escaped and cut.
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : string.Empty;
            return Fail(e.Path ?? JsonPath.Root, $"not valid JSON{where}: {JsonPath.Escape(FirstSentence(e.Message), 160)}");
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check unescapes every property name while parsing; an unpaired surrogate fails there.
            return Fail(JsonPath.Root, "not valid JSON: has a property name that is not valid Unicode text (an unpaired surrogate)");
        }
    }

    /// <summary>Reads the stream (refusing more than <see cref="IntakeLimits.MaxEventBytes"/>) and parses it.</summary>
    public static async Task<IntakeResult> ParseAsync(Stream utf8Json, CancellationToken cancellationToken)
    {
        var bytes = await IntakeLimits.ReadEventAsync(utf8Json, cancellationToken);
        return bytes.Length > IntakeLimits.MaxEventBytes
            ? Fail(JsonPath.Root, $"the event is larger than {IntakeLimits.MaxEventBytes} bytes, the most EventBridge delivers")
            : Parse(bytes);
    }

    private static FindingEvent ReadEvent(JsonObjectReader root)
    {
        var detailType = root.RequiredString("detail-type");
        var (kind, expectedSource) = detailType switch
        {
            GuardDutyFindingType => (FindingEventKind.GuardDutyFinding, "aws.guardduty"),
            CustomActionType => (FindingEventKind.SecurityHubCustomAction, "aws.securityhub"),
            ImportedType => (FindingEventKind.SecurityHubImported, "aws.securityhub"),
            ImportedV2Type => (FindingEventKind.SecurityHubImportedV2, "aws.securityhub"),
            _ => throw root.Error("detail-type", $"{JsonPath.Quote(detailType)} is not handled; expected '{GuardDutyFindingType}', '{CustomActionType}', '{ImportedType}' or '{ImportedV2Type}'"),
        };

        var source = root.RequiredString("source");
        if (source != expectedSource)
        {
            throw root.Error("source", $"{JsonPath.Quote(source)} does not send '{detailType}' events; expected '{expectedSource}'");
        }

        var eventId = root.OptionalString("id");
        var account = root.RequiredString("account");
        var region = root.RequiredString("region");
        var detail = root.RequiredObject("detail");

        if (kind == FindingEventKind.GuardDutyFinding)
        {
            return new FindingEvent(kind, eventId, account, region, null, null, [GuardDutyFindingReader.Read(detail)]);
        }

        var actionArn = kind == FindingEventKind.SecurityHubCustomAction ? ReadCustomActionArn(root) : null;
        var actionName = kind == FindingEventKind.SecurityHubCustomAction ? detail.OptionalString("actionName") : null;
        var findingsArray = detail.RequiredArray("findings", minItems: 1, maxItems: IntakeLimits.MaxFindings);
        var findings = new Finding[findingsArray.Count];
        for (var i = 0; i < findings.Length; i++)
        {
            findings[i] = kind == FindingEventKind.SecurityHubImportedV2
                ? OcsfFindingReader.Read(findingsArray.ObjectAt(i), region)
                : AsffFindingReader.Read(findingsArray.ObjectAt(i), region);
        }

        return new FindingEvent(kind, eventId, account, region, actionArn, actionName, findings);
    }

    /// <summary>A custom-action event names its action target (<c>arn:...:securityhub:REGION:ACCOUNT:action/custom/ID</c>) in <c>resources</c>.</summary>
    private static string ReadCustomActionArn(JsonObjectReader root)
    {
        var resources = root.RequiredArray("resources", minItems: 1, maxItems: 10);
        for (var i = 0; i < resources.Count; i++)
        {
            var text = resources.StringAt(i);
            if (Arn.TryParse(text, out var arn) && arn.Service == "securityhub" && arn.Resource.StartsWith("action/custom/", StringComparison.Ordinal))
            {
                return text;
            }
        }

        throw root.Error("resources", "names no Security Hub custom action ARN (arn:<partition>:securityhub:<region>:<account>:action/custom/<id>)");
    }

    private static IntakeResult Fail(string path, string message) => IntakeResult.Failure(new IntakeError(path, message));

    /// <summary>
    /// The reader's message without its trailing location (" Path: ... | LineNumber: 0 | BytePositionInLine: 0." from the
    /// serializer, " LineNumber: 0 | BytePositionInLine: 0." from <see cref="JsonDocument"/>), which is zero-based and
    /// already given, one-based, in front of it.
    /// </summary>
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (end < 0)
        {
            end = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        return end > 0 ? message[..end] : message;
    }
}
