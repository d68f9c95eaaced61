using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.LocalAws;

namespace ThreatResponse.Aws.Tests.Ec2;

/// <summary>Reads back the EC2 state a containment test asserts on.</summary>
internal static class Ec2World
{
    public static async Task<Instance> InstanceAsync(IAmazonEC2 ec2, string instanceId) =>
        (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0];

    public static async Task<List<string>> GroupsOfAsync(IAmazonEC2 ec2, string eniId) =>
        [.. (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] })).NetworkInterfaces[0].Groups.Select(g => g.GroupId).Order()];

    public static async Task<Dictionary<string, string>> TagsAsync(IAmazonEC2 ec2, string instanceId) =>
        (await InstanceAsync(ec2, instanceId)).Tags.ToDictionary(t => t.Key, t => t.Value);

    public static async Task<bool> TerminationProtectionAsync(IAmazonEC2 ec2, string instanceId) =>
        (await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = instanceId, Attribute = InstanceAttributeName.DisableApiTermination })).InstanceAttribute.DisableApiTermination ?? false;

    public static async Task<string> ShutdownBehaviorAsync(IAmazonEC2 ec2, string instanceId) =>
        (await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = instanceId, Attribute = InstanceAttributeName.InstanceInitiatedShutdownBehavior })).InstanceAttribute.InstanceInitiatedShutdownBehavior;

    public static async Task<string?> AssociatedProfileAsync(IAmazonEC2 ec2, string instanceId) =>
        (await ec2.DescribeIamInstanceProfileAssociationsAsync(new DescribeIamInstanceProfileAssociationsRequest { Filters = [new Filter("instance-id", [instanceId])] }))
            .IamInstanceProfileAssociations?.FirstOrDefault(a => a.State == IamInstanceProfileAssociationState.Associated)?.IamInstanceProfile.Arn;

    public static async Task<List<SecurityGroup>> QuarantineGroupsAsync(IAmazonEC2 ec2, string role) =>
        (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("tag:" + QuarantineTags.GroupRole, [role])] })).SecurityGroups ?? [];

    public static async Task<List<Snapshot>> SnapshotsOfAsync(IAmazonEC2 ec2, string instanceId) =>
        (await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Filter("tag:" + QuarantineTags.InstanceId, [instanceId])] })).Snapshots ?? [];

    /// <summary>Everything isolation or release could change, in one comparable string.</summary>
    public static async Task<string> FingerprintAsync(IAmazonEC2 ec2, DemoScene scene, bool includeMetadata = true)
    {
        var instance = await InstanceAsync(ec2, scene.InstanceId);
        var tags = string.Join(",", instance.Tags.OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}"));
        return string.Join(" | ",
            string.Join(",", await GroupsOfAsync(ec2, scene.PrimaryEniId)),
            string.Join(",", await GroupsOfAsync(ec2, scene.SecondaryEniId)),
            includeMetadata ? instance.MetadataOptions.HttpEndpoint?.Value : "-",
            includeMetadata ? instance.MetadataOptions.HttpTokens?.Value : "-",
            instance.State.Name.Value,
            await TerminationProtectionAsync(ec2, scene.InstanceId),
            await ShutdownBehaviorAsync(ec2, scene.InstanceId),
            await AssociatedProfileAsync(ec2, scene.InstanceId),
            tags,
            (await SnapshotsOfAsync(ec2, scene.InstanceId)).Count);
    }
}
