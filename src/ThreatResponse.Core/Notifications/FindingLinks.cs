using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Notifications;

/// <summary>Links to a finding in the AWS console, in the finding's partition and Region.</summary>
public static class FindingLinks
{
    public static string ConsoleUrl(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var host = finding.Partition switch
        {
            "aws-cn" => $"https://{finding.Region}.console.amazonaws.cn",
            "aws-us-gov" => $"https://{finding.Region}.console.amazonaws-us-gov.com",
            _ => $"https://{finding.Region}.console.aws.amazon.com",
        };

        var marker = finding.Id.LastIndexOf("/finding/", StringComparison.Ordinal);
        if (finding.ProductArn.EndsWith("product/aws/guardduty", StringComparison.Ordinal) && marker >= 0)
        {
            var shortId = finding.Id[(marker + "/finding/".Length)..];
            return $"{host}/guardduty/home?region={finding.Region}#/findings?macros=current&fId={Uri.EscapeDataString(shortId)}";
        }

        // The Security Hub console's search is itself URL-encoded inside the fragment, hence the double escaping.
        return $"{host}/securityhub/home?region={finding.Region}#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A{Uri.EscapeDataString(Uri.EscapeDataString(finding.Id))}";
    }
}
