using Amazon.EC2;
using Amazon.EC2.Model;

namespace ThreatResponse.Testing;

/// <summary>What an ENI is in now, read back from the emulator.</summary>
public static class EniGroups
{
    public static async Task<List<string>> GroupNamesAsync(this IAmazonEC2 ec2, string eniId) =>
        [.. (await InterfaceAsync(ec2, eniId)).Groups.Select(g => g.GroupName)];

    /// <summary>The group ids, sorted.</summary>
    public static async Task<List<string>> GroupIdsAsync(this IAmazonEC2 ec2, string eniId) =>
        [.. (await InterfaceAsync(ec2, eniId)).Groups.Select(g => g.GroupId).Order()];

    private static async Task<NetworkInterface> InterfaceAsync(IAmazonEC2 ec2, string eniId)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        return (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] })).NetworkInterfaces[0];
    }
}
