using Amazon.EC2;
using Amazon.EC2.Model;

namespace ThreatResponse.Cli.Demo;

/// <summary>What the demo shows of an instance at one moment: what containment changes and release restores.</summary>
public sealed record InstanceView(
    string State,
    IReadOnlyList<EniView> NetworkInterfaces,
    string MetadataEndpoint,
    string? InstanceProfile,
    bool TerminationProtection,
    string ShutdownBehavior,
    IReadOnlyList<string> Snapshots,
    IReadOnlyDictionary<string, string> QuarantineTags)
{
    public static async Task<InstanceView> ReadAsync(IAmazonEC2 ec2, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var instance = (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0];
        var groupIds = instance.NetworkInterfaces.SelectMany(n => n.Groups.Select(g => g.GroupId)).Distinct().ToList();
        var names = (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = groupIds })).SecurityGroups.ToDictionary(g => g.GroupId, g => g.GroupName);
        var enis = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("attachment.instance-id", [instanceId])] })).NetworkInterfaces
            .OrderBy(n => n.Attachment.DeviceIndex)
            .Select(n => new EniView(n.NetworkInterfaceId, [.. n.Groups.Select(g => names.GetValueOrDefault(g.GroupId, g.GroupId)).Order(StringComparer.Ordinal)]))
            .ToList();
        var protection = (await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = instanceId, Attribute = InstanceAttributeName.DisableApiTermination })).InstanceAttribute.DisableApiTermination ?? false;
        var shutdown = (await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = instanceId, Attribute = InstanceAttributeName.InstanceInitiatedShutdownBehavior })).InstanceAttribute.InstanceInitiatedShutdownBehavior;
        var profile = (await ec2.DescribeIamInstanceProfileAssociationsAsync(new DescribeIamInstanceProfileAssociationsRequest { Filters = [new Filter("instance-id", [instanceId])] }))
            .IamInstanceProfileAssociations?.FirstOrDefault(a => a.State == IamInstanceProfileAssociationState.Associated)?.IamInstanceProfile.Arn;
        var snapshots = (await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Filter("tag:ThreatResponse:InstanceId", [instanceId])] })).Snapshots ?? [];
        return new InstanceView(
            instance.State.Name.Value,
            enis,
            instance.MetadataOptions?.HttpEndpoint?.Value ?? "enabled",
            profile,
            protection,
            shutdown,
            [.. snapshots.Select(s => $"{s.SnapshotId} ({s.VolumeId}, {s.VolumeSize} GiB)")],
            (instance.Tags ?? []).Where(t => t.Key.StartsWith("ThreatResponse:", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value));
    }

    /// <summary>The same network, metadata, profile and attributes as <paramref name="other"/>: what release must restore.</summary>
    public bool RestoresTo(InstanceView other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return NetworkInterfaces.Select(n => $"{n.Id}:{string.Join(',', n.Groups)}").SequenceEqual(other.NetworkInterfaces.Select(n => $"{n.Id}:{string.Join(',', n.Groups)}"))
            && MetadataEndpoint == other.MetadataEndpoint
            && InstanceProfile == other.InstanceProfile
            && TerminationProtection == other.TerminationProtection
            && ShutdownBehavior == other.ShutdownBehavior
            && !QuarantineTags.Keys.Any(k => k != "ThreatResponse:Exempt");
    }
}

/// <summary>An ENI and the names of its security groups.</summary>
public sealed record EniView(string Id, IReadOnlyList<string> Groups);
