using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Testing;

/// <summary>
/// Many instances for one custom action, as an analyst selects them after a wide compromise: in one VPC and subnet, each
/// with several ENIs, an instance profile and shutdown behaviour <c>terminate</c>, so isolating one with two ENIs takes
/// 11 mutating EC2 calls (per ENI: connection tracking, conversion group, isolation group; per instance: termination
/// protection, shutdown behaviour, metadata endpoint, instance profile, status tags). One subnet: no other subnet's
/// network ACL gets entries.
/// </summary>
public sealed class BurstScene
{
    private BurstScene(string vpcId, IReadOnlyList<string> instanceIds, IReadOnlyDictionary<string, string> instanceByEni)
    {
        VpcId = vpcId;
        InstanceIds = instanceIds;
        InstanceByEni = instanceByEni;
    }

    public string VpcId { get; }

    public IReadOnlyList<string> InstanceIds { get; }

    /// <summary>The instance of every ENI of the scene.</summary>
    public IReadOnlyDictionary<string, string> InstanceByEni { get; }

    /// <summary>Of those, the isolation path's: 3 per ENI, the metadata endpoint and the instance profile.</summary>
    public int ContainmentCallsPerInstance => (3 * InstanceByEni.Count / InstanceIds.Count) + 2;

    /// <param name="emulator">moto_server, for the instance profile (IAM).</param>
    /// <param name="cidr">The VPC's block, a /16; the subnet is its first /20.</param>
    public static async Task<BurstScene> CreateAsync(Uri emulator, IAmazonEC2 ec2, int instances, int enisPerInstance = 2, string cidr = "10.50.0.0/16")
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = cidr })).Vpc.VpcId;
        var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc, CidrBlock = cidr.Replace("/16", "/20", StringComparison.Ordinal) })).Subnet.SubnetId;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var group = (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = $"fleet-{suffix}", Description = "fleet", VpcId = vpc })).GroupId;
        var profile = await EmulatorForms.CreateInstanceProfileAsync(emulator, $"fleet-{suffix}");
        var launched = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = "ami-12c6146b",
            InstanceType = InstanceType.T3Micro,
            MinCount = instances,
            MaxCount = instances,
            NetworkInterfaces = [.. Enumerable.Range(0, enisPerInstance).Select(i => new InstanceNetworkInterfaceSpecification { DeviceIndex = i, SubnetId = subnet, Groups = [group] })],
            IamInstanceProfile = new IamInstanceProfileSpecification { Arn = profile },
            InstanceInitiatedShutdownBehavior = ShutdownBehavior.Terminate,
        });
        var ids = launched.Reservation.Instances.Select(i => i.InstanceId).ToList();

        // moto 5.2 associates the profile with one instance of a launch only; EC2 with each.
        var associated = (await ec2.DescribeIamInstanceProfileAssociationsAsync(new DescribeIamInstanceProfileAssociationsRequest())).IamInstanceProfileAssociations
            .Select(a => a.InstanceId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in ids.Where(id => !associated.Contains(id)))
        {
            await ec2.AssociateIamInstanceProfileAsync(new AssociateIamInstanceProfileRequest { InstanceId = id, IamInstanceProfile = new IamInstanceProfileSpecification { Arn = profile } });
        }

        var described = await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("attachment.instance-id", ids)] });
        var byEni = described.NetworkInterfaces.ToDictionary(n => n.NetworkInterfaceId, n => n.Attachment.InstanceId, StringComparer.Ordinal);
        if (byEni.Count != instances * enisPerInstance)
        {
            throw new InvalidOperationException($"the emulator made {byEni.Count} ENIs for {instances} instances of {enisPerInstance}");
        }

        return new BurstScene(vpc, ids, byEni);
    }

    /// <summary>
    /// The analyst's custom action on <paramref name="instanceIds"/> (default: all): the project's isolate event with one
    /// finding per instance.
    /// </summary>
    public JsonNode CustomActionEvent(IEnumerable<string>? instanceIds = null)
    {
        var @event = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "events", "securityhub-custom-action-isolate-web-instance.json")))!;
        var template = @event["detail"]!["findings"]![0]!;
        @event["id"] = Guid.NewGuid().ToString();
        @event["detail"]!["findings"] = new JsonArray([.. (instanceIds ?? InstanceIds).Select((id, index) =>
        {
            var finding = template.DeepClone();
            finding["Id"] = $"{finding["Id"]!.GetValue<string>()}{index:x4}{id[^4..]}";
            finding["Resources"]![0]!["Id"] = $"arn:aws:ec2:us-east-1:123456789012:instance/{id}";
            finding["Title"] = "burst";
            finding["Description"] = "burst";
            finding["ProductFields"] = new JsonObject();
            return finding;
        })]);
        return @event;
    }

    /// <summary>The scene's instances whose every ENI is only in the isolation group.</summary>
    public async Task<IReadOnlyList<string>> IsolatedAsync(IAmazonEC2 ec2)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var enis = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("attachment.instance-id", [.. InstanceIds])] })).NetworkInterfaces;
        return [.. enis.GroupBy(e => e.Attachment.InstanceId)
            .Where(g => g.All(e => e.Groups is [{ GroupName: "threat-response-isolation" }]))
            .Select(g => g.Key)];
    }

    /// <summary>
    /// When each instance was isolated, after <paramref name="startTicks"/>: the answer to its last ENI's change into
    /// the isolation group (<paramref name="isolationGroupId"/>), as the proxy recorded it. Sorted; instances never
    /// isolated are left out.
    /// </summary>
    public IReadOnlyList<TimeSpan> IsolatedAt(AwsRequestLog timeline, long startTicks, string isolationGroupId)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var byInstance = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var request in timeline.Requests.Where(r => r.Operation == "ec2:ModifyNetworkInterfaceAttribute" && r.StatusCode == 200
            && r.Body.Contains($"SecurityGroupId.1={isolationGroupId}", StringComparison.Ordinal)))
        {
            var eni = System.Web.HttpUtility.ParseQueryString(request.Body)["NetworkInterfaceId"];
            if (eni is not null && InstanceByEni.TryGetValue(eni, out var instance))
            {
                var enis = byInstance.TryGetValue(instance, out var seen) ? seen : byInstance[instance] = new Dictionary<string, long>(StringComparer.Ordinal);
                enis[eni] = Math.Max(enis.GetValueOrDefault(eni), request.EndTicks);
            }
        }

        var perInstance = InstanceByEni.Count / InstanceIds.Count;
        return [.. byInstance.Values.Where(e => e.Count == perInstance)
            .Select(e => System.Diagnostics.Stopwatch.GetElapsedTime(startTicks, e.Values.Max()))
            .Order()];
    }

    /// <summary>The VPC's isolation group, once a response made it.</summary>
    public async Task<string> IsolationGroupIdAsync(IAmazonEC2 ec2)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new Filter("vpc-id", [VpcId]), new Filter("group-name", ["threat-response-isolation"])],
        });
        return groups.SecurityGroups.Single().GroupId;
    }
}
