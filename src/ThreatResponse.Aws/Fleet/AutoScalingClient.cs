using System.Globalization;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Fleet;

namespace ThreatResponse.Aws.Fleet;

/// <summary>
/// The Auto Scaling operations containment uses (query protocol, <c>2011-01-01</c>), on <see cref="AwsSignedHttpClient"/>:
/// AWSSDK.AutoScaling is not available here. The one file to change for it.
/// </summary>
public sealed class AutoScalingClient(AwsSignedHttpClient client)
{
    private const string Version = "2011-01-01";

    /// <summary>The instance's group, lifecycle state and scale-in protection; null when it is in no group.</summary>
    public async Task<AutoScalingMembership?> DescribeAutoScalingInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        var xml = await QueryProtocol.CallAsync(client, "DescribeAutoScalingInstances", Version, [("InstanceIds.member.1", instanceId)], cancellationToken);
        var member = QueryProtocol.Members(xml, "AutoScalingInstances").FirstOrDefault(m => QueryProtocol.Text(m, "InstanceId") == instanceId);
        if (member is null)
        {
            return null;
        }

        return new AutoScalingMembership(
            QueryProtocol.Text(member, "AutoScalingGroupName") ?? throw new AwsOperationException("DescribeAutoScalingInstances", "MalformedResponse", "no AutoScalingGroupName"),
            QueryProtocol.Text(member, "LifecycleState") ?? "",
            string.Equals(QueryProtocol.Text(member, "ProtectedFromScaleIn"), "true", StringComparison.OrdinalIgnoreCase));
    }

    public Task EnterStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        QueryProtocol.CallAsync(client, "EnterStandby", Version, Form(groupName, instanceId, ("ShouldDecrementDesiredCapacity", "false")), cancellationToken);

    public Task DetachInstancesAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        QueryProtocol.CallAsync(client, "DetachInstances", Version, Form(groupName, instanceId, ("ShouldDecrementDesiredCapacity", "false")), cancellationToken);

    public Task SetInstanceProtectionAsync(string groupName, string instanceId, bool protectedFromScaleIn, CancellationToken cancellationToken) =>
        QueryProtocol.CallAsync(client, "SetInstanceProtection", Version,
            Form(groupName, instanceId, ("ProtectedFromScaleIn", protectedFromScaleIn.ToString(CultureInfo.InvariantCulture).ToLowerInvariant())), cancellationToken);

    public Task ExitStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        QueryProtocol.CallAsync(client, "ExitStandby", Version, Form(groupName, instanceId), cancellationToken);

    private static List<(string, string)> Form(string groupName, string instanceId, params (string, string)[] more) =>
        [("AutoScalingGroupName", groupName), ("InstanceIds.member.1", instanceId), .. more];
}
