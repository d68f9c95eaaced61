using System.Globalization;
using System.Text.Json;

namespace ThreatResponse.Core.Containment.Credentials;

/// <summary>
/// The inline policy <c>revoke-sessions</c> puts on a role — what the IAM console's "Revoke active sessions" does:
/// deny everything to sessions whose token was issued before a cut-off. It has a name of ThreatResponse's own, so
/// release never touches the console's <c>AWSRevokeOlderSessions</c> or anyone else's policy, and release recognises
/// it by its exact shape and cut-off.
/// </summary>
public static class SessionRevocationPolicy
{
    public const string PolicyName = "ThreatResponse-RevokeSessions";

    /// <summary>
    /// The longest a credential issued before a cut-off can stay valid, so the longest the revocation must outlive it:
    /// 12 hours. AWS gives no figure for the role credentials EC2 hands out through the instance metadata service — the
    /// EC2 User Guide ("Retrieve security credentials from instance metadata") says only that they are rotated
    /// automatically, new ones at least five minutes before the old expire, and the IAM API Reference (UpdateRole,
    /// MaxSessionDuration) says they are not subject to the role's maximum session duration setting, so that setting
    /// cannot be read to shorten the wait. The bound AWS does document for any role session is the STS API Reference's
    /// (AssumeRole, DurationSeconds): at most 43,200 seconds, 12 hours. What an attacker can do with a stolen credential
    /// stays inside it: role chaining (AssumeRole with the stolen session) gives sessions of at most one hour (same
    /// reference), issued before the cut-off, so they expire long before 12 hours after it; the stolen credential cannot
    /// be extended, and while the policy stands it is denied everything, AssumeRole included.
    /// </summary>
    public static readonly TimeSpan MaxCredentialLifetime = TimeSpan.FromHours(12);

    /// <summary>When a revocation with <paramref name="cutOff"/> may go: every credential it denies has expired by then.</summary>
    public static DateTimeOffset KeepUntil(DateTimeOffset cutOff, TimeSpan credentialLifetime) => cutOff + credentialLifetime;

    /// <summary>The cut-off format: ISO 8601 UTC to the second, as IAM's date condition operators read it.</summary>
    private const string CutOffFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>
    /// The cut-off for a revocation at <paramref name="now"/>: the next whole second, so a session issued earlier in
    /// the same second (a token the attacker fetched an instant ago) is denied too.
    /// </summary>
    public static DateTimeOffset CutOffAt(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var seconds = new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        return seconds == utc ? seconds : seconds.AddSeconds(1);
    }

    public static string Format(DateTimeOffset cutOff) => cutOff.UtcDateTime.ToString(CutOffFormat, CultureInfo.InvariantCulture);

    /// <summary>The policy document denying every action to sessions issued before <paramref name="cutOff"/>.</summary>
    public static string Document(DateTimeOffset cutOff) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ThreatResponseRevokeOlderSessions\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
        + "\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"" + Format(cutOff) + "\"}}}]}";

    /// <summary>
    /// The cut-off of a document in exactly the shape <see cref="Document"/> writes (one statement: Deny, every action
    /// and resource, <c>DateLessThan aws:TokenIssueTime</c>); null for anything else, which is not ThreatResponse's to remove.
    /// </summary>
    public static DateTimeOffset? CutOffOf(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            using var json = JsonDocument.Parse(document);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("Statement", out var statements)
                || statements.ValueKind != JsonValueKind.Array
                || statements.GetArrayLength() != 1)
            {
                return null;
            }

            var statement = statements[0];
            if (statement.ValueKind != JsonValueKind.Object
                || Text(statement, "Effect") != "Deny"
                || Text(statement, "Action") != "*"
                || Text(statement, "Resource") != "*"
                || !statement.TryGetProperty("Condition", out var condition)
                || condition.ValueKind != JsonValueKind.Object
                || condition.EnumerateObject().Count() != 1
                || !condition.TryGetProperty("DateLessThan", out var dateLessThan)
                || dateLessThan.ValueKind != JsonValueKind.Object
                || dateLessThan.EnumerateObject().Count() != 1
                || Text(dateLessThan, "aws:TokenIssueTime") is not { } cutOff)
            {
                return null;
            }

            return DateTimeOffset.TryParseExact(cutOff, CutOffFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                ? parsed
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
