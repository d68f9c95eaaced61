using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;
using static ThreatResponse.Core.Tests.Notifications.Responses;

namespace ThreatResponse.Core.Tests.Notifications;

/// <summary>The e-mail names each stored evidence archive and links it in the S3 console (the chain of custody).</summary>
public sealed class EvidenceLinkTests
{
    private const string Archive = "s3://threat-response-evidence/evidence/123456789012/us-east-1/i-0123456789abcdef0/abc/20261130T010203Z.tar.gz";

    [Fact]
    public void Compose_EvidenceStored_TheTextNamesTheArchiveAndLinksIt()
    {
        var finding = GuardDuty();
        var steps = IsolateAndSnapshotSteps()
            .Append(Step(ContainmentAction.Collect, "evidence-stored", Archive, StepOutcome.Succeeded, "5120 bytes, SHA-256 ab12, version v1"))
            .ToList();
        var summary = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], "web-1", steps)], [ContainmentAction.Isolate, ContainmentAction.Collect], findingId: finding.Id));

        var text = NotificationComposer.Compose(summary, _ => true).Text;

        Assert.Contains($"  Evidence:  {Archive} - https://s3.console.aws.amazon.com/s3/object/threat-response-evidence?prefix=evidence%2F123456789012%2Fus-east-1%2Fi-0123456789abcdef0%2Fabc%2F20261130T010203Z.tar.gz", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FindingUpdate_Collected_NamesTheCommandAndWhereTheEvidenceIs()
    {
        var finding = GuardDuty();
        var steps = IsolateAndSnapshotSteps()
            .Append(Step(ContainmentAction.Collect, "collection", "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e", StepOutcome.Succeeded, "Success: 210 files"))
            .Append(Step(ContainmentAction.Collect, "evidence-stored", Archive, StepOutcome.Succeeded, "5120 bytes"))
            .ToList();
        var summary = ResponseSummary.Create(Trigger, [finding], Report([Result(finding.Instances[0], "web-1", steps)], [ContainmentAction.Isolate, ContainmentAction.Collect], findingId: finding.Id));

        var update = Assert.Single(FindingUpdateComposer.Compose(summary, Region, new FindingUpdateOptions()));

        Assert.Equal($"{WebInstanceId}:0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e:succeeded", update.UserDefinedFields["ThreatResponseCollection"]);
        Assert.Equal(Archive, update.UserDefinedFields["ThreatResponseEvidence"]);
    }

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3://bucket")]
    [InlineData("s3://bucket/")]
    [InlineData("https://bucket/key")]
    public void EvidenceConsoleUrl_NotAnObjectUri_Null(string uri) => Assert.Null(FindingLinks.EvidenceConsoleUrl(uri, "aws"));
}
