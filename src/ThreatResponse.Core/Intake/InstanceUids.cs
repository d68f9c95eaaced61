using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>An instance named by a resource's uid in the newer formats (GuardDuty's ResourceV2, OCSF): an id, or an instance ARN.</summary>
internal static class InstanceUids
{
    /// <summary>An instance ARN says its own account and Region; a bare id is in <paramref name="account"/> and <paramref name="region"/>.</summary>
    /// <exception cref="IntakeException">Neither an instance id nor an instance ARN (at <paramref name="path"/>).</exception>
    public static InstanceReference Parse(string path, string uid, string account, string region)
    {
        if (Arn.TryParse(uid, out var arn) && arn.Service == "ec2" && arn.Resource.StartsWith("instance/", StringComparison.Ordinal)
            && InstanceId.TryParse(arn.Resource["instance/".Length..], out var fromArn))
        {
            return new InstanceReference(fromArn.Value, arn.Account, arn.Region);
        }

        return InstanceId.TryParse(uid, out var instanceId)
            ? new InstanceReference(instanceId.Value, account, region)
            : throw new IntakeException(path, $"{JsonPath.Quote(uid)} is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits) or instance ARN");
    }
}
