using Amazon.EC2.Model;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Emulator;

[Collection(MotoCollectionDefinition.Name)]
public sealed class MotoServerFixtureTests(MotoServerFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task ResetAsync_AfterCreatingVpc_EmulatorForgetsIt()
    {
        using var ec2 = Moto.CreateEc2Client();
        var vpcId = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.9.0.0/16" })).Vpc.VpcId;

        await Moto.ResetAsync();

        var vpcs = await ec2.DescribeVpcsAsync(new DescribeVpcsRequest());
        Assert.DoesNotContain(vpcs.Vpcs, v => v.VpcId == vpcId);
    }

    [Fact]
    public async Task InitializeAsync_ExecutableMissing_FailsWithInstallHint()
    {
        var fixture = MotoServerFixture.WithExecutable("moto_server_that_does_not_exist");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(fixture.InitializeAsync);

        Assert.Contains("pip install \"moto[server]\"", error.Message, StringComparison.Ordinal);
        await fixture.DisposeAsync();
    }
}
