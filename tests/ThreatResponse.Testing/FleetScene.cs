using System.Text.RegularExpressions;
using System.Xml;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace ThreatResponse.Testing;

/// <summary>
/// An Auto Scaling group of one instance behind an ELBv2 target group, in moto, and reads of their state. Auto Scaling
/// and ELBv2 have no SDK package here: plain form POSTs, which moto routes by the credential scope.
/// </summary>
public sealed record FleetScene(string GroupName, string TargetGroupArn, string InstanceId, string VpcId)
{
    private static readonly HttpClient Http = new();

    public static async Task<FleetScene> CreateAsync(MotoServerFixture moto, IAmazonEC2 ec2, string name = "web")
    {
        ArgumentNullException.ThrowIfNull(moto);
        ArgumentNullException.ThrowIfNull(ec2);
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.20.0.0/16" })).Vpc.VpcId;
        var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc, CidrBlock = "10.20.1.0/24", AvailabilityZone = "us-east-1a" })).Subnet.SubnetId;
        var template = (await ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = name,
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = "ami-12c6146b", InstanceType = InstanceType.T3Micro },
        })).LaunchTemplate.LaunchTemplateId;

        var targetGroup = Text(await CallAsync(moto, "elasticloadbalancing", "2015-12-01",
            $"Action=CreateTargetGroup&Name={name}&Protocol=HTTP&Port=80&VpcId={vpc}&TargetType=instance"), "TargetGroupArn");
        await CallAsync(moto, "autoscaling", "2011-01-01",
            $"Action=CreateAutoScalingGroup&AutoScalingGroupName={name}&LaunchTemplate.LaunchTemplateId={template}&MinSize=1&MaxSize=2&DesiredCapacity=1"
            + $"&VPCZoneIdentifier={subnet}&TargetGroupARNs.member.1={Uri.EscapeDataString(targetGroup)}");
        var (instance, _, _) = Assert1(await InstancesAsync(moto, name));
        return new FleetScene(name, targetGroup, instance, vpc);
    }

    /// <summary>Lifecycle state and scale-in protection of the instance; null when it is in no group.</summary>
    public async Task<(string LifecycleState, bool Protected)?> MembershipAsync(MotoServerFixture moto)
    {
        var xml = await CallAsync(moto, "autoscaling", "2011-01-01", $"Action=DescribeAutoScalingInstances&InstanceIds.member.1={InstanceId}");
        var doc = Parse(xml);
        var member = doc.SelectSingleNode("//*[local-name()='AutoScalingInstances']/*[local-name()='member']");
        return member is null ? null
            : (member.SelectSingleNode("*[local-name()='LifecycleState']")!.InnerText, member.SelectSingleNode("*[local-name()='ProtectedFromScaleIn']")?.InnerText == "true");
    }

    public async Task<int> DesiredCapacityAsync(MotoServerFixture moto) =>
        int.Parse(Text(await CallAsync(moto, "autoscaling", "2011-01-01", $"Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.1={GroupName}"), "DesiredCapacity"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The group's instances and their lifecycle states.</summary>
    public static async Task<List<(string InstanceId, string LifecycleState, string Health)>> InstancesAsync(MotoServerFixture moto, string groupName)
    {
        var doc = Parse(await CallAsync(moto, "autoscaling", "2011-01-01", $"Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.1={groupName}"));
        return [.. doc.SelectNodes("//*[local-name()='Instances']/*[local-name()='member']")!.Cast<XmlNode>().Select(m => (
            m.SelectSingleNode("*[local-name()='InstanceId']")!.InnerText,
            m.SelectSingleNode("*[local-name()='LifecycleState']")!.InnerText,
            m.SelectSingleNode("*[local-name()='HealthStatus']")?.InnerText ?? ""))];
    }

    /// <summary>The targets registered in the target group, with their ports.</summary>
    public async Task<List<(string Id, int Port)>> RegisteredTargetsAsync(MotoServerFixture moto)
    {
        var doc = Parse(await CallAsync(moto, "elasticloadbalancing", "2015-12-01", $"Action=DescribeTargetHealth&TargetGroupArn={Uri.EscapeDataString(TargetGroupArn)}"));
        return [.. doc.SelectNodes("//*[local-name()='TargetHealthDescriptions']/*[local-name()='member']")!.Cast<XmlNode>().Select(m => (
            m.SelectSingleNode("*[local-name()='Target']/*[local-name()='Id']")!.InnerText,
            int.Parse(m.SelectSingleNode("*[local-name()='Target']/*[local-name()='Port']")!.InnerText, System.Globalization.CultureInfo.InvariantCulture)))];
    }

    private static T Assert1<T>(List<T> items) => items.Count == 1 ? items[0] : throw new InvalidOperationException($"expected one instance, got {items.Count}");

    private static async Task<string> CallAsync(MotoServerFixture moto, string service, string version, string form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, moto.Endpoint)
        {
            Content = new StringContent($"{form}&Version={version}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"moto {service} {form}: {(int)response.StatusCode} {body}");
    }

    private static XmlDocument Parse(string xml)
    {
        var doc = new XmlDocument { XmlResolver = null };
        doc.LoadXml(xml);
        return doc;
    }

    private static string Text(string xml, string element)
    {
        var match = Regex.Match(xml, $"<{element}>(.*?)</{element}>");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"no {element} in {xml}");
    }
}
