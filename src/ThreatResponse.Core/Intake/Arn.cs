namespace ThreatResponse.Core.Intake;

/// <summary>
/// The parts of an ARN (<c>arn:partition:service:region:account:resource</c>), parsed leniently: AWS's own
/// documentation publishes ARNs with a doubled colon after the partition (<c>arn:aws::ec2:...</c>), which is read as if it were single.
/// </summary>
internal readonly record struct Arn(string Partition, string Service, string Region, string Account, string Resource)
{
    public static bool TryParse(string? text, out Arn arn)
    {
        arn = default;
        if (text is null || !text.StartsWith("arn:", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text.Split(':', 7);
        if (parts.Length == 7 && parts[2].Length == 0 && parts[3].Length > 0)
        {
            parts = [parts[0], parts[1], .. parts[3..6], parts[6]];
        }
        else if (parts.Length == 7)
        {
            parts = [.. parts[..5], parts[5] + ":" + parts[6]];
        }

        if (parts.Length != 6 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return false;
        }

        arn = new Arn(parts[1], parts[2], parts[3], parts[4], parts[5]);
        return true;
    }
}
