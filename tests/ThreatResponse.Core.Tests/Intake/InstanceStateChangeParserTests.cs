using System.Text;
using System.Text.Json.Nodes;
using ThreatResponse.Core.Intake;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>EC2's instance state-change events, in the shape the EC2 User Guide documents ("EC2 Instance State-change Notification").</summary>
public sealed class InstanceStateChangeParserTests
{
    private static JsonNode Sample() => JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "events", "ec2-instance-terminated.json")))!;

    [Fact]
    public void Parse_TerminatedEvent_NamesTheInstanceInItsAccountAndRegion()
    {
        var (change, error) = Parse(Sample());

        Assert.Null(error);
        Assert.Equal(("i-0123456789abcdef0", "123456789012", "us-east-1", "terminated"), (change!.Instance.InstanceId.Value, change.Instance.Account, change.Instance.Region, change.State));
        Assert.Equal("7bf73129-1428-4cd3-a780-95db273d1602", change.EventId);
    }

    [Theory]
    [InlineData("detail-type", "\"GuardDuty Finding\"", "$['detail-type']")]
    [InlineData("source", "\"aws.guardduty\"", "$.source")]
    [InlineData("account", "\"12345\"", "$.account")]
    [InlineData("region", "\"moon-1\"", "$.region")]
    public void Parse_BadEnvelope_RefusedWithThePath(string field, string value, string path)
    {
        var @event = Sample();
        @event[field] = JsonNode.Parse(value);

        var (change, error) = Parse(@event);

        Assert.Null(change);
        Assert.Equal(path, error!.Path);
    }

    [Theory]
    [InlineData("instance-id", "\"i-XYZ\"", "$.detail['instance-id']")]
    [InlineData("state", "\"exploded\"", "$.detail.state")]
    public void Parse_BadDetail_RefusedWithThePath(string field, string value, string path)
    {
        var @event = Sample();
        @event["detail"]![field] = JsonNode.Parse(value);

        var (change, error) = Parse(@event);

        Assert.Null(change);
        Assert.Equal(path, error!.Path);
        Assert.Contains(field == "state" ? "not an EC2 instance state" : "not an EC2 instance id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NotJson_Refused()
    {
        var (change, error) = InstanceStateChangeParser.Parse(Encoding.UTF8.GetBytes("{\"detail\": "));

        Assert.Null(change);
        Assert.Equal("$", error!.Path);
    }

    private static (InstanceStateChange? Change, IntakeError? Error) Parse(JsonNode @event) =>
        InstanceStateChangeParser.Parse(Encoding.UTF8.GetBytes(@event.ToJsonString()));
}
