using System.Globalization;
using ThreatResponse.Aws.Http;

namespace ThreatResponse.Aws.Fleet;

/// <summary>
/// The ELBv2 operations containment uses (query protocol, <c>2015-12-01</c>), on <see cref="AwsSignedHttpClient"/>:
/// AWSSDK.ElasticLoadBalancingV2 is not available here. The one file to change for it.
/// </summary>
public sealed class ElasticLoadBalancingClient(AwsSignedHttpClient client)
{
    private const string Version = "2015-12-01";

    /// <summary>Every target group of the Region whose targets are instances (there is no filter by instance).</summary>
    public async Task<IReadOnlyList<string>> DescribeInstanceTargetGroupsAsync(CancellationToken cancellationToken)
    {
        var arns = new List<string>();
        string? marker = null;
        do
        {
            List<(string, string)> form = marker is null ? [] : [("Marker", marker)];
            var xml = await QueryProtocol.CallAsync(client, "DescribeTargetGroups", Version, form, cancellationToken);
            arns.AddRange(QueryProtocol.Members(xml, "TargetGroups")
                .Where(m => QueryProtocol.Text(m, "TargetType") is null or "instance")
                .Select(m => QueryProtocol.Text(m, "TargetGroupArn"))
                .OfType<string>());
            marker = xml.SelectSingleNode("//*[local-name()='NextMarker']")?.InnerText is { Length: > 0 } next ? next : null;
        }
        while (marker is not null);
        return arns;
    }

    /// <summary>The instance's ports in the target group: empty when it is not registered there.</summary>
    public async Task<IReadOnlyList<int>> RegisteredPortsAsync(string targetGroupArn, string instanceId, CancellationToken cancellationToken)
    {
        var xml = await QueryProtocol.CallAsync(client, "DescribeTargetHealth", Version,
            [("TargetGroupArn", targetGroupArn), ("Targets.member.1.Id", instanceId)], cancellationToken);

        // Asked about by id, an unregistered target is answered too, as "unused" for Target.NotRegistered.
        return [.. QueryProtocol.Members(xml, "TargetHealthDescriptions")
            .Where(m => QueryProtocol.Text(m, "Id") == instanceId && QueryProtocol.Text(m, "Reason") != "Target.NotRegistered")
            .Select(m => int.TryParse(QueryProtocol.Text(m, "Port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 0)
            .Where(port => port > 0)];
    }

    public Task DeregisterTargetAsync(string targetGroupArn, string instanceId, int port, CancellationToken cancellationToken) =>
        QueryProtocol.CallAsync(client, "DeregisterTargets", Version, Target(targetGroupArn, instanceId, port), cancellationToken);

    public Task RegisterTargetAsync(string targetGroupArn, string instanceId, int port, CancellationToken cancellationToken) =>
        QueryProtocol.CallAsync(client, "RegisterTargets", Version, Target(targetGroupArn, instanceId, port), cancellationToken);

    private static List<(string, string)> Target(string targetGroupArn, string instanceId, int port) =>
        [("TargetGroupArn", targetGroupArn), ("Targets.member.1.Id", instanceId), ("Targets.member.1.Port", port.ToString(CultureInfo.InvariantCulture))];
}
