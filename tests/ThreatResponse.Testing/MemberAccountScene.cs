using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace ThreatResponse.Testing;

/// <summary>Instances in other accounts of moto_server, which keeps accounts apart by the assumed role's credentials.</summary>
public static class MemberAccountScene
{
    /// <summary>An EC2 client acting in <paramref name="account"/> (through a setup role moto lets anyone assume).</summary>
    public static async Task<AmazonEC2Client> Ec2InAsync(MotoServerFixture moto, string account, string region = MotoServerFixture.DefaultRegion)
    {
        ArgumentNullException.ThrowIfNull(moto);
        var c = await SetupCredentialsAsync(moto, account);
        return moto.CreateEc2Client(region, new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken));
    }

    /// <summary>The access key id of a setup session in <paramref name="account"/>: moto keeps accounts apart by it (for <see cref="MotoIam"/>).</summary>
    public static async Task<string> AccessKeyInAsync(MotoServerFixture moto, string account) => (await SetupCredentialsAsync(moto, account)).AccessKeyId;

    private static async Task<Credentials> SetupCredentialsAsync(MotoServerFixture moto, string account)
    {
        ArgumentNullException.ThrowIfNull(moto);
        using var sts = new AmazonSecurityTokenServiceClient(MotoServerFixture.Credentials, moto.Configure(new AmazonSecurityTokenServiceConfig()));
        var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{account}:role/test-setup", RoleSessionName = "setup" });
        return assumed.Credentials;
    }

    /// <summary>A VPC, subnet and group, and one instance in them, with no instance profile unless one of its account is given.</summary>
    public static async Task<(string InstanceId, string EniId)> LaunchAsync(IAmazonEC2 ec2, string? profileArn = null)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.30.0.0/16" })).Vpc.VpcId;
        var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc, CidrBlock = "10.30.1.0/24" })).Subnet.SubnetId;
        var group = (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "app", Description = "app", VpcId = vpc })).GroupId;
        var instance = (await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = "ami-12c6146b",
            MinCount = 1,
            MaxCount = 1,
            NetworkInterfaces = [new InstanceNetworkInterfaceSpecification { DeviceIndex = 0, SubnetId = subnet, Groups = [group] }],
            IamInstanceProfile = profileArn is null ? null : new IamInstanceProfileSpecification { Arn = profileArn },
        })).Reservation.Instances[0];
        return (instance.InstanceId, instance.NetworkInterfaces[0].NetworkInterfaceId);
    }
}
