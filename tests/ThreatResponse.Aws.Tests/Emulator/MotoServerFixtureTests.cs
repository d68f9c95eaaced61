using Amazon.EC2;
using Amazon.EC2.Model;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Emulator;

[Collection(MotoCollectionDefinition.Name)]
public sealed class MotoServerFixtureTests(MotoServerFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task CreateEc2Client_RunInstanceInNewVpc_DescribeReturnsItRunning()
    {
        using var ec2 = Moto.CreateEc2Client();
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.0.0.0/16" })).Vpc;
        var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.0.1.0/24" })).Subnet;
        var launched = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = "ami-12c6146b",
            InstanceType = InstanceType.T3Micro,
            MinCount = 1,
            MaxCount = 1,
            SubnetId = subnet.SubnetId,
        });
        var instanceId = launched.Reservation.Instances[0].InstanceId;

        var described = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] });

        var instance = Assert.Single(Assert.Single(described.Reservations).Instances);
        Assert.Equal(vpc.VpcId, instance.VpcId);
        Assert.Equal(subnet.SubnetId, instance.SubnetId);
        Assert.Equal(InstanceStateName.Running, instance.State.Name);
        Assert.Equal(MotoServerFixture.DefaultAccount, Assert.Single(described.Reservations).OwnerId);
    }

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
