using Amazon.EC2;
using Amazon.EC2.Model;

namespace ThreatResponse.LocalAws;

/// <summary>
/// A realistic instance to contain, in the emulator (the demo's scene, and the tests'): a VPC, a web instance with two ENIs in different groups (the second in several, so
/// the saved state outgrows one tag), two EBS volumes, an instance profile, a Name tag, shutdown behaviour
/// <c>terminate</c> and hibernation configured.
/// </summary>
public sealed record DemoScene(
    string VpcId,
    string SubnetId,
    string InstanceId,
    string PrimaryEniId,
    string SecondaryEniId,
    IReadOnlyList<string> PrimaryGroups,
    IReadOnlyList<string> SecondaryGroups,
    string ProfileArn)
{
    public static async Task<DemoScene> CreateAsync(Uri emulator, IAmazonEC2 ec2, string name = "web-1", string? vpcId = null, string? subnetId = null, string? profileArn = null)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        vpcId ??= (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.20.0.0/16" })).Vpc.VpcId;
        if (subnetId is null)
        {
            subnetId = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpcId, CidrBlock = "10.20.1.0/24" })).Subnet.SubnetId;

            // The usual layout: the instance in a private subnet, its way out (a NAT gateway) in another one that
            // shares the VPC's default network ACL. Isolation's ACL entries take effect at that subnet's boundary.
            await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpcId, CidrBlock = "10.20.0.0/24" });
        }

        var suffix = Guid.NewGuid().ToString("N")[..8];
        async Task<string> Group(string groupName) =>
            (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = $"{groupName}-{suffix}", Description = groupName, VpcId = vpcId })).GroupId;

        var web = await Group("web-public");
        List<string> admin = [await Group("admin-ssh"), await Group("monitoring"), await Group("backup-agent"), await Group("log-shipping"), await Group("bastion-peer")];
        profileArn ??= await EmulatorForms.CreateInstanceProfileAsync(emulator, $"web-server-{suffix}");

        // Addresses chosen here, unused in the subnet: moto draws them at random without checking (two ENIs of a subnet
        // then share an address, which EC2 never allows, and an instance's addresses are counted once).
        var (primaryAddress, secondaryAddress) = await FreeAddressesAsync(ec2, subnetId);
        var instance = (await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = "ami-12c6146b",
            InstanceType = InstanceType.T3Medium,
            MinCount = 1,
            MaxCount = 1,
            // Groups on the primary ENI, not the instance: moto reports an attached ENI's groups as its own plus the
            // instance's launch groups, which would hide what containment did to the ENI. (EC2 keeps them as one.)
            NetworkInterfaces = [new InstanceNetworkInterfaceSpecification { DeviceIndex = 0, SubnetId = subnetId, Groups = [web], PrivateIpAddress = primaryAddress }],
            IamInstanceProfile = new IamInstanceProfileSpecification { Arn = profileArn },
            HibernationOptions = new HibernationOptionsRequest { Configured = true },
            InstanceInitiatedShutdownBehavior = ShutdownBehavior.Terminate,
            BlockDeviceMappings =
            [
                new BlockDeviceMapping { DeviceName = "/dev/sdb", Ebs = new EbsBlockDevice { VolumeSize = 20 } },
                new BlockDeviceMapping { DeviceName = "/dev/sdc", Ebs = new EbsBlockDevice { VolumeSize = 50 } },
            ],
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("Name", name), new Tag("Environment", "production")] }],
        })).Reservation.Instances[0];

        var secondary = (await ec2.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { SubnetId = subnetId, Groups = admin, PrivateIpAddress = secondaryAddress })).NetworkInterface.NetworkInterfaceId;
        await ec2.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest { InstanceId = instance.InstanceId, NetworkInterfaceId = secondary, DeviceIndex = 1 });

        return new DemoScene(vpcId, subnetId, instance.InstanceId, instance.NetworkInterfaces[0].NetworkInterfaceId, secondary, [web], admin, profileArn);
    }

    /// <summary>Two addresses of the subnet that no ENI there has, past the four EC2 reserves at its start.</summary>
    private static async Task<(string Primary, string Secondary)> FreeAddressesAsync(IAmazonEC2 ec2, string subnetId)
    {
        var cidr = (await ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest { SubnetIds = [subnetId] })).Subnets[0].CidrBlock;
        var used = ((await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new Filter("subnet-id", [subnetId])] })).NetworkInterfaces ?? [])
            .SelectMany(n => (n.PrivateIpAddresses ?? []).Select(a => a.PrivateIpAddress)).ToHashSet(StringComparer.Ordinal);
        var parts = cidr.Split('/');
        var network = System.Net.IPAddress.Parse(parts[0]).GetAddressBytes();
        var size = 1 << (32 - int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        var start = (uint)(network[0] << 24 | network[1] << 16 | network[2] << 8 | network[3]);
        var free = Enumerable.Range(4 + Random.Shared.Next(size / 2), size - 5)
            .Select(offset => start + (uint)(offset % (size - 5) + 4))
            .Select(a => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}")
            .Where(a => !used.Contains(a))
            .Take(2)
            .ToList();
        return (free[0], free[1]);
    }
}
