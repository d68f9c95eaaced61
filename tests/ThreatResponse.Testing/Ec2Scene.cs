using Amazon.EC2;
using ThreatResponse.LocalAws;

namespace ThreatResponse.Testing;

/// <summary>The demo's scene (<see cref="DemoScene"/>) built in the test emulator.</summary>
public static class Ec2Scene
{
    public static Task<DemoScene> CreateAsync(MotoServerFixture moto, IAmazonEC2 ec2, string name = "web-1", string? vpcId = null, string? subnetId = null, string? profileArn = null)
    {
        ArgumentNullException.ThrowIfNull(moto);
        return DemoScene.CreateAsync(moto.Endpoint, ec2, name, vpcId, subnetId, profileArn);
    }
}
