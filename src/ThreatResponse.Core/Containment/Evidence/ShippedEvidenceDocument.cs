using System.Security.Cryptography;
using System.Text.Json;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// The evidence document ThreatResponse ships (the <c>EvidenceDocument</c> of template.yaml, templates/member-role.yaml
/// and templates/evidence-document.yaml, identical in all three) and the check that the document of that name in an
/// account and Region is that document, before anything is sent to run as root on an instance.
/// </summary>
/// <remarks>
/// Systems Manager's <c>Hash</c> (DescribeDocument) is, per its API reference, "the SHA-256 hash created by the system
/// when the document was created": computed over the content text as Systems Manager stores it for that version. That
/// text is what CloudFormation serialised from the template's content object (key order and whitespace are
/// CloudFormation's), so ThreatResponse cannot know the stored bytes in advance. It therefore compares content by its
/// canonical form (<see cref="CanonicalSha256"/>: parsed JSON, object keys in ordinal order, no whitespace) against
/// <see cref="ContentSha256"/>, and then pins <c>SendCommand</c> to exactly the version it checked, with Systems
/// Manager's own hash of that version (<c>DocumentVersion</c>, <c>DocumentHash</c>, <c>DocumentHashType</c> Sha256):
/// a version's content never changes, and Systems Manager refuses the command if the version's hash differs.
/// </remarks>
public static class ShippedEvidenceDocument
{
    /// <summary>
    /// The canonical SHA-256 of the shipped document's content. EvidenceDocumentTests compute it from the three templates
    /// and fail, giving the new value, when the document changes (evidence/inline-into-templates.sh after a change to
    /// evidence/collect-evidence.sh): update it here in the same commit.
    /// </summary>
    public const string ContentSha256 = "d2da64aa41f2f3590e6b51e195e7fd99c453682755b228aab13f6323d5aafb0e";

    /// <summary>
    /// Lowercase hex SHA-256 of <paramref name="json"/>'s canonical form: values as parsed, object members in ordinal
    /// order of their names, no insignificant whitespace, strings escaped as <see cref="Utf8JsonWriter"/> escapes them.
    /// Two texts of the same JSON value (whatever their key order or layout) have the same canonical hash.
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static string CanonicalSha256(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, document.RootElement);
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>
    /// Why <paramref name="found"/> must not be run on <paramref name="instance"/>, or null when it is the shipped
    /// document, owned by the instance's own account, and pinnable (a SHA-256 hash and an exact version).
    /// </summary>
    /// <param name="name">The document name asked for (<c>EVIDENCE_DOCUMENT_NAME</c>).</param>
    /// <param name="found">The document as Systems Manager describes it in the instance's account and Region; null when there is none.</param>
    public static string? Refusal(InstanceReference instance, string name, EvidenceDocument? found)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var where = $"in account {instance.Account}, Region {instance.Region}";
        if (found is null)
        {
            return $"no Systems Manager document {name} {where}: deploy templates/member-role.yaml (its Region) or templates/evidence-document.yaml (every other Region) there";
        }

        if (!string.Equals(found.Owner, instance.Account, StringComparison.Ordinal))
        {
            // A document shared from another account runs that account's content, which this account's templates do not control.
            return $"document {name} {where} is owned by {(string.IsNullOrEmpty(found.Owner) ? "nobody named" : found.Owner)}, not by account {instance.Account}";
        }

        if (!string.Equals(found.DocumentType, "Command", StringComparison.Ordinal))
        {
            return $"document {name} {where} is a {found.DocumentType} document, not the Command document ThreatResponse ships";
        }

        if (!string.Equals(found.HashType, "Sha256", StringComparison.Ordinal) || found.Hash is not { Length: 64 } || string.IsNullOrEmpty(found.Version))
        {
            return $"document {name} {where}: version {found.Version ?? "?"} has no SHA-256 hash to pin the command to (hash type {found.HashType ?? "none"})";
        }

        string content;
        try
        {
            content = CanonicalSha256(found.Content);
        }
        catch (JsonException)
        {
            return $"document {name} {where}: version {found.Version}'s content is not JSON, so it is not the document ThreatResponse ships";
        }

        return string.Equals(content, ContentSha256, StringComparison.Ordinal)
            ? null
            : $"document {name} {where}: version {found.Version} (its default) has content SHA-256 {content}, ThreatResponse ships {ContentSha256} — " +
              "changed outside ThreatResponse's templates (UpdateDocument and a new default version), or deployed from another ThreatResponse release";
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            default:
                // Numbers, true, false, null: their text as written (the shipped document has none but strings).
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
        }
    }
}

/// <summary>A Systems Manager document's default version as DescribeDocument and GetDocument give it.</summary>
/// <param name="Owner">The account that owns it (DescribeDocument's <c>Owner</c>).</param>
/// <param name="Version">The version described and read (the default version).</param>
/// <param name="Hash">Systems Manager's hash of that version.</param>
/// <param name="HashType">Sha256 or Sha1.</param>
/// <param name="Content">That version's content (GetDocument).</param>
public sealed record EvidenceDocument(string Name, string? Owner, string? Version, string? DocumentType, string? Hash, string? HashType, string Content);
