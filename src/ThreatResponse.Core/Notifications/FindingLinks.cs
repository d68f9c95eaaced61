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

    private static string ConsoleHost(string partition, string region) => partition switch
    {
        "aws-cn" => $"https://{region}.console.amazonaws.cn",
        "aws-us-gov" => $"https://{region}.console.amazonaws-us-gov.com",
        _ => $"https://{region}.console.aws.amazon.com",
    };
}
