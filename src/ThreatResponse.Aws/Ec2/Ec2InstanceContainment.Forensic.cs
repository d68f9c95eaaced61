using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Evidence;

namespace ThreatResponse.Aws.Ec2;

/// <summary>The forensic channel: the VPC's Systems Manager and S3 endpoints, and the group that lets an isolated instance reach only them.</summary>
public sealed partial class Ec2InstanceContainment
{
    public Task<ForensicChannelLookup> FindForensicChannelAsync(AwsScope scope, string vpcId, CancellationToken cancellationToken) =>
        throw new NotImplementedException("forensic channel lookup: being built");

    public Task<ForensicGroup?> EnsureForensicGroupAsync(AwsScope scope, ForensicChannel channel, bool dryRun, CancellationToken cancellationToken) =>
        throw new NotImplementedException("forensic group: being built");
}
