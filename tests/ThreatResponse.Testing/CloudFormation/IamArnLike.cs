using System.Text.RegularExpressions;

namespace ThreatResponse.Testing.CloudFormation;

/// <summary>
/// IAM's <c>ArnLike</c> condition operator (IAM user guide, "IAM JSON policy elements: Condition operators"):
/// case-sensitive; each of the six colon-delimited parts of the ARN is compared separately, and each may use
/// <c>*</c> (any characters, slashes included) and <c>?</c> (one character).
/// </summary>
public static class IamArnLike
{
    public static bool Matches(string pattern, string arn)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(arn);
        var patternParts = pattern.Split(':', 6);
        var arnParts = arn.Split(':', 6);
        if (patternParts.Length != 6 || arnParts.Length != 6)
        {
            return false;
        }

        return patternParts.Zip(arnParts).All(p => Regex.IsMatch(
            p.Second,
            "^" + Regex.Escape(p.First).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.Singleline,
            TimeSpan.FromSeconds(1)));
    }
}
