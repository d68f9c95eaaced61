using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Notifications;

/// <summary>Links to a finding in the AWS console, in the finding's partition and Region.</summary>
public static class FindingLinks
{
    public static string ConsoleUrl(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var host = ConsoleHost(finding.Partition, finding.Region);

        var marker = finding.Id.LastIndexOf("/finding/", StringComparison.Ordinal);
        if (finding.ProductArn.EndsWith("product/aws/guardduty", StringComparison.Ordinal) && marker >= 0)
        {
            var shortId = finding.Id[(marker + "/finding/".Length)..];
            return $"{host}/guardduty/home?region={finding.Region}#/findings?macros=current&fId={Uri.EscapeDataString(shortId)}";
        }

        // The Security Hub console's search is itself URL-encoded inside the fragment, hence the double escaping.
        return $"{host}/securityhub/home?region={finding.Region}#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A{Uri.EscapeDataString(Uri.EscapeDataString(finding.Id))}";
    }

    /// <summary>The instance's page in the EC2 console; it opens only when signed in to the instance's own account.</summary>
    public static string InstanceConsoleUrl(InstanceReference instance, string partition)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return $"{ConsoleHost(partition, instance.Region)}/ec2/home?region={instance.Region}#InstanceDetails:instanceId={instance.InstanceId}";
    }

    /// <summary>
    /// The evidence archive's page in the S3 console, from the <c>s3://bucket/key</c> the evidence-stored step names;
    /// null for anything else. It opens when signed in to the security account, which holds the bucket.
    /// </summary>
    public static string? EvidenceConsoleUrl(string s3Uri, string partition)
    {
        ArgumentNullException.ThrowIfNull(s3Uri);
        if (!s3Uri.StartsWith("s3://", StringComparison.Ordinal) || s3Uri.IndexOf('/', 5) is var slash && slash < 6 || slash == s3Uri.Length - 1)
        {
            return null;
        }

        var host = partition switch
        {
            "aws-cn" => "https://console.amazonaws.cn",
            "aws-us-gov" => "https://console.amazonaws-us-gov.com",
            _ => "https://s3.console.aws.amazon.com",
        };
        return $"{host}/s3/object/{Uri.EscapeDataString(s3Uri[5..slash])}?prefix={Uri.EscapeDataString(s3Uri[(slash + 1)..])}";
    }

    private static string ConsoleHost(string partition, string region) => partition switch
    {
        "aws-cn" => $"https://{region}.console.amazonaws.cn",
        "aws-us-gov" => $"https://{region}.console.amazonaws-us-gov.com",
        _ => $"https://{region}.console.aws.amazon.com",
    };
}
