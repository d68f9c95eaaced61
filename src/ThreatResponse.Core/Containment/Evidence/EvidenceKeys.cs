using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Where a case's evidence goes in the bucket: <c>evidence/&lt;account&gt;/&lt;region&gt;/&lt;instance&gt;/&lt;finding&gt;/</c>,
/// one place per finding and instance, for the archive the instance uploads and the records the function writes.
/// </summary>
internal static class EvidenceKeys
{
    /// <summary><c>&lt;account&gt;/&lt;region&gt;/&lt;instance&gt;/&lt;finding&gt;</c>: the case, also written into the archive's manifest.</summary>
    public static string Case(InstanceReference instance, string findingKey) =>
        $"{instance.Account}/{instance.Region}/{instance.InstanceId.Value}/{FindingPart(findingKey)}";

    /// <summary>The key of an object of the case made at <paramref name="at"/>: <c>evidence/&lt;case&gt;/&lt;yyyyMMddTHHmmssZ&gt;&lt;suffix&gt;</c>.</summary>
    public static string For(InstanceReference instance, string findingKey, DateTimeOffset at, string suffix) =>
        $"evidence/{Case(instance, findingKey)}/{at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}{suffix}";

    /// <summary>
    /// The finding in a key: a GuardDuty ARN's last segment (its finding id) when it is plain, else a hash of the id —
    /// finding text never shapes the key beyond letters, digits, '.', '_' and '-'.
    /// </summary>
    internal static string FindingPart(string findingKey)
    {
        var last = findingKey[(findingKey.LastIndexOf('/') + 1)..];
        return last.Length is > 0 and <= 64 && last.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && last.Trim('.').Length > 0
            ? last
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(findingKey)))[..32];
    }
}
