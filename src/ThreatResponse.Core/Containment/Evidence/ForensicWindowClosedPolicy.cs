using System.Text.Json;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Credentials;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// The inline policy the closing of a forensic window puts on the quarantine role: deny everything to the sessions of
/// that one instance (<c>ec2:SourceInstanceARN</c>, present on requests signed with an instance's role credentials)
/// issued before the window closed. Disassociating the profile stops new credentials, not those already fetched, which
/// would otherwise stay valid until they expire. One policy per instance, replaced by the instance's next close, so
/// concurrent closes of other instances never overwrite each other.
/// </summary>
public static class ForensicWindowClosedPolicy
{
    /// <summary>The names' prefix: what <see cref="QuarantineRoleCheck"/> accepts besides the agent's policy, when deny-only.</summary>
    public const string NamePrefix = "ThreatResponse-WindowClosed-";

    public static string NameFor(InstanceReference instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return NamePrefix + instance.InstanceId.Value;
    }

    /// <summary>The instance's ARN as <c>ec2:SourceInstanceARN</c> carries it.</summary>
    public static string InstanceArn(InstanceReference instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return $"arn:{AwsPartition.OfRegion(instance.Region)}:ec2:{instance.Region}:{instance.Account}:instance/{instance.InstanceId.Value}";
    }

    /// <summary>Written as text, like <see cref="SessionRevocationPolicy.Document"/>: the ARN and the cut-off hold no character JSON escapes.</summary>
    public static string Document(InstanceReference instance, DateTimeOffset cutOff) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"CredentialsFetchedThroughTheForensicWindow\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
        + "\"Condition\":{\"StringEquals\":{\"ec2:SourceInstanceARN\":\"" + InstanceArn(instance) + "\"},"
        + "\"DateLessThan\":{\"aws:TokenIssueTime\":\"" + SessionRevocationPolicy.Format(cutOff) + "\"}}}]}";

    /// <summary>True when every statement of <paramref name="document"/> is a Deny: such a policy can only take away.</summary>
    public static bool IsDenyOnly(string document)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            if (!json.RootElement.TryGetProperty("Statement", out var statements))
            {
                return false;
            }

            var all = statements.ValueKind == JsonValueKind.Array ? [.. statements.EnumerateArray()] : new[] { statements };
            return all.Length > 0 && all.All(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("Effect", out var effect)
                && effect.ValueKind == JsonValueKind.String && effect.GetString() == "Deny");
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
