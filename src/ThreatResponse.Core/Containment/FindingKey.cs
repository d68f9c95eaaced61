using System.Security.Cryptography;
using System.Text;

namespace ThreatResponse.Core.Containment;

/// <summary>
/// The finding id as it can be stored in a tag value (at most 256 characters): the id itself when it fits (GuardDuty
/// ARNs do), else <c>sha256:</c> and the hash of the id (ASFF ids may reach 512).
/// </summary>
public static class FindingKey
{
    public const int MaxTagValueLength = 256;

    public static string Of(string findingId)
    {
        ArgumentNullException.ThrowIfNull(findingId);
        return findingId.Length <= MaxTagValueLength
            ? findingId
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(findingId)));
    }
}
