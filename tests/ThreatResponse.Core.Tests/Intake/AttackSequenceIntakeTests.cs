using System.Text;
using System.Text.Json.Nodes;
using ThreatResponse.Core.Intake;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>Attack sequences and stolen instance credentials at the intake: which instances, where, and what is refused.</summary>
public sealed class AttackSequenceIntakeTests
{
    private const string Constructed = "guardduty/guardduty-attacksequence-ec2-compromisedinstancegroup-constructed.json";
    private const string Exfiltration = "guardduty/guardduty-iamuser-instancecredentialexfiltration-outsideaws-sample-wrapped.json";

    private static JsonNode Event(string file) => JsonNode.Parse(File.ReadAllText(EventCorpus.PathOf(file)))!;

    private static IntakeResult Parse(JsonNode @event) => FindingEventParser.Parse(Encoding.UTF8.GetBytes(@event.ToJsonString()));

    private static JsonArray Resources(JsonNode @event) => @event["detail"]!["service"]!["detection"]!["sequence"]!["resources"]!.AsArray();

    [Fact]
    public void Parse_AttackSequence_SignalsAndSizeKeptForTheNotification()
    {
        var finding = Parse(Event(Constructed)).Event!.Findings[0];

        Assert.NotNull(finding.Sequence);
        Assert.Equal(3, finding.Sequence.ResourceCount);
        Assert.Equal(["Backdoor:EC2/C&CActivity.B!DNS (FINDING)", "ec2:ModifyInstanceAttribute (CLOUD_TRAIL)", "Execution:Runtime/NewBinaryExecuted (RUNTIME_MONITORING)"], finding.Sequence.Signals);
        Assert.Contains("from 3 signal(s)", finding.Sequence.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AttackSequenceNamingMoreThanAResponseActsOn_FirstHundredActedOnTheRestReportedByName()
    {
        var @event = Event(Constructed);
        var resources = Resources(@event);
        resources.Clear();
        for (var group = 0; group < 5; group++)
        {
            var ids = new JsonArray([.. Enumerable.Range(0, 25).Select(i => (JsonNode)JsonValue.Create($"i-{group * 25 + i:x17}")!)]);
            resources.Add(new JsonObject
            {
                ["uid"] = $"vpc-{group:x17}",
                ["resourceType"] = "EC2_VPC",
                ["accountId"] = "123456789012",
                ["region"] = "eu-west-1",
                ["data"] = new JsonObject { ["ec2Vpc"] = new JsonObject { ["ec2InstanceUids"] = ids } },
            });
        }

        var finding = Parse(@event).Event!.Findings[0];

        Assert.Equal(100, finding.Instances.Count);
        Assert.All(finding.Instances, i => Assert.Equal(("123456789012", "eu-west-1"), (i.Account, i.Region)));
        Assert.Equal(25, finding.Sequence!.BeyondCap.Count);
        var described = finding.Sequence.Describe();
        Assert.Contains("25 more instance(s) than the 100 one response acts on, NOT contained", described, StringComparison.Ordinal);
        Assert.Contains($"i-{124:x17}", described, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AttackSequenceInstanceByArn_TheArnsAccountAndRegion()
    {
        var @event = Event(Constructed);
        Resources(@event)[1]!["uid"] = "arn:aws:ec2:ap-southeast-2:444455556666:instance/i-0a1b2c3d4e5f60722";

        var instances = Parse(@event).Event!.Findings[0].Instances;

        Assert.Contains(instances, i => i.InstanceId.Value == "i-0a1b2c3d4e5f60722" && i.Account == "444455556666" && i.Region == "ap-southeast-2");
    }

    [Theory]
    [InlineData(1, "uid", "i-XYZ", "$.detail.service.detection.sequence.resources[1].uid", "is not an EC2 instance id")]
    [InlineData(1, "accountId", "1111", "$.detail.service.detection.sequence.resources[1].accountId", "is not a 12-digit AWS account id")]
    [InlineData(2, "region", "mars-1", "$.detail.service.detection.sequence.resources[2].region", "is not an AWS Region code")]
    public void Parse_AttackSequenceWithABadResource_RefusedWithItsPath(int index, string field, string value, string path, string message)
    {
        var @event = Event(Constructed);
        Resources(@event)[index]![field] = value;

        var result = Parse(@event);

        Assert.False(result.IsSuccess);
        Assert.Equal(path, result.Error!.Path);
        Assert.Contains(message, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AttackSequenceGroupInstanceIdNotAnId_RefusedWithItsPath()
    {
        var @event = Event(Constructed);
        Resources(@event)[2]!["data"]!["autoscalingAutoScalingGroup"]!["ec2InstanceUids"]![1] = "web-3";

        var result = Parse(@event);

        Assert.Equal("$.detail.service.detection.sequence.resources[2].data.autoscalingAutoScalingGroup.ec2InstanceUids[1]", result.Error!.Path);
    }

    [Fact]
    public void Parse_CredentialExfiltration_TheInstanceWhoseCredentialsLeaked()
    {
        var finding = Parse(Event(Exfiltration)).Event!.Findings[0];

        Assert.Equal("i-99999999", Assert.Single(finding.Instances).InstanceId.Value);
        Assert.Null(finding.Sequence);
    }

    [Fact]
    public void Parse_CredentialExfiltrationWhoseSessionNamesAnotherInstance_RefusedAsContradictory()
    {
        var @event = Event(Exfiltration);
        @event["detail"]!["resource"]!["accessKeyDetails"]!["principalId"] = "AROAEXAMPLEID:i-0123456789abcdef0";

        var result = Parse(@event);

        Assert.Equal("$.detail.resource.accessKeyDetails.principalId", result.Error!.Path);
        Assert.Contains("contradicts itself", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OtherAccessKeyFinding_StillNamesNoInstance()
    {
        var @event = Event(Exfiltration);
        @event["detail"]!["type"] = "UnauthorizedAccess:IAMUser/TorIPCaller";

        Assert.Empty(Parse(@event).Event!.Findings[0].Instances);
    }
}
