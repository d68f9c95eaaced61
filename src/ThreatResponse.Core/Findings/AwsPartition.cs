namespace ThreatResponse.Core.Findings;

/// <summary>The AWS partition a Region belongs to, for building ARNs where no ARN says it.</summary>
public static class AwsPartition
{
    public static string OfRegion(string? region) =>
        region?.StartsWith("cn-", StringComparison.Ordinal) == true ? "aws-cn"
        : region?.StartsWith("us-gov-", StringComparison.Ordinal) == true ? "aws-us-gov"
        : "aws";
}
