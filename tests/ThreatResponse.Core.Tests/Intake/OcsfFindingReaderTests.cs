using System.Text;
using System.Text.Json.Nodes;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>The new Security Hub's "Findings Imported V2" (OCSF) at the intake: ids, severity, instances and refusals with paths.</summary>
public sealed class OcsfFindingReaderTests
{
    private const string Runtime = "securityhub-imported-v2/securityhub-v2-guardduty-runtime-newbinaryexecuted-ec2-instance-wrapped.json";

    private static JsonNode Event() => JsonNode.Parse(File.ReadAllText(EventCorpus.PathOf(Runtime)))!;

    private static JsonNode First(JsonNode @event) => @event["detail"]!["findings"]![0]!;

    private static IntakeResult Parse(JsonNode @event) => FindingEventParser.Parse(Encoding.UTF8.GetBytes(@event.ToJsonString()));

    [Fact]
    public void Parse_GuardDutyFindingInOcsf_KeyedByGuardDutysFindingArnWithTheV2IdBeside()
    {
        var finding = Parse(Event()).Event!.Findings[0];

        Assert.Equal("arn:aws:guardduty:us-east-1:123456789012:detector/00000000000000000000000000000000/finding/ffffffffffffffffffffffffffffffff", finding.Id);
        Assert.Equal("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", finding.MetadataUid);
        Assert.Equal(FindingSource.GuardDuty, finding.Source);
        Assert.Equal("Execution:Runtime/NewBinaryExecuted", finding.Type);
        Assert.Equal(new Severity(SeverityLabel.Medium, 40), finding.Severity);
        Assert.Equal("arn:aws:securityhub:us-east-1::productv2/aws/guardduty", finding.ProductArn);
    }

    [Theory]
    [InlineData(2, SeverityLabel.Low)]
    [InlineData(4, SeverityLabel.High)]
    [InlineData(5, SeverityLabel.Critical)]
    [InlineData(6, SeverityLabel.Critical)]
    [InlineData(99, SeverityLabel.Informational)]
    public void Parse_ProvidersSeverityId_MappedToTheLabel(int severityId, SeverityLabel label)
    {
        var @event = Event();
        First(@event)["vendor_attributes"]!["severity_id"] = severityId;

        Assert.Equal(label, Parse(@event).Event!.Findings[0].Severity.Label);
    }

    /// <summary>
    /// <c>BatchUpdateFindingsV2</c>'s <c>SeverityId</c> rewrites the top-level <c>severity_id</c> (and its label): an
    /// analyst — or anyone with <c>securityhub:BatchUpdateFindings</c> — raising or lowering it changes neither the
    /// severity read nor the playbook's decision, which follow the provider's <c>vendor_attributes.severity_id</c>.
    /// </summary>
    [Theory]
    [InlineData(3, 5, "notify-only")] // Medium from GuardDuty, raised to Critical: not isolated
    [InlineData(4, 1, "isolate-high")] // High from GuardDuty, lowered to Informational: still isolated
    public void Decide_SeverityIdChangedByAnUpdate_FollowsTheProvidersSeverity(int provider, int updated, string rule)
    {
        var playbook = PlaybookParser.Parse("""
            version: 1
            rules:
              - name: isolate-high
                match:
                  severityAtLeast: 7
                actions: [isolate]
              - name: notify-only
                actions: [notify]
            """, "test");
        var @event = Event();
        First(@event)["vendor_attributes"]!["severity_id"] = provider;
        First(@event)["severity_id"] = updated;
        First(@event)["severity"] = updated == 5 ? "Critical" : "Informational";

        var finding = Parse(@event).Event!.Findings[0];

        Assert.Equal(provider == 3 ? SeverityLabel.Medium : SeverityLabel.High, finding.Severity.Label);
        Assert.Equal(rule, playbook.Decide(finding, finding.Instances[0]).Name);
    }

    [Fact]
    public void Parse_NoProvidersSeverity_RefusedWithItsPath_NotReadFromTheUpdatableSeverityId()
    {
        var @event = Event();
        First(@event).AsObject().Remove("vendor_attributes");

        var result = Parse(@event);

        Assert.False(result.IsSuccess);
        Assert.Equal("$.detail.findings[0].vendor_attributes", result.Error!.Path);
        Assert.Contains("BatchUpdateFindingsV2 can change severity_id", result.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vendor_attributes.severity_id", 7, "$.detail.findings[0].vendor_attributes.severity_id", "is not an OCSF severity id")]
    [InlineData("vendor_attributes.severity_id", null, "$.detail.findings[0].vendor_attributes.severity_id", "is required")]
    [InlineData("resources.0.uid", "web-1", "$.detail.findings[0].resources[0].uid", "is not an EC2 instance id")]
    [InlineData("metadata.uid", null, "$.detail.findings[0].metadata.uid", "is required")]
    public void Parse_BadField_RefusedWithItsPath(string field, object? value, string path, string message)
    {
        var @event = Event();
        var parts = field.Split('.');
        JsonNode node = First(@event);
        foreach (var part in parts[..^1])
        {
            node = int.TryParse(part, out var index) ? node[index]! : node[part]!;
        }

        if (value is null)
        {
            node.AsObject().Remove(parts[^1]);
        }
        else
        {
            node[parts[^1]] = JsonValue.Create(value);
        }

        var result = Parse(@event);

        Assert.False(result.IsSuccess);
        Assert.Equal(path, result.Error!.Path);
        Assert.Contains(message, result.Error.Message, StringComparison.Ordinal);
    }
}
