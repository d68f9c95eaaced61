using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Tests.Containment.Evidence;

/// <summary>
/// The document check before evidence collection: the canonical hash ignores layout and key order but nothing else, and
/// a document that is missing, another account's, not pinnable or not JSON is refused with the name, account and Region.
/// (The shipped content itself is checked against the templates in EvidenceDocumentTests, and end to end in
/// EvidenceDocumentPinningTests.)
/// </summary>
public sealed class ShippedEvidenceDocumentTests
{
    private static readonly InstanceReference Instance = new(InstanceId.Parse("i-0a1b2c3d4e5f60718"), "444455556666", "eu-west-1");

    [Fact]
    public void CanonicalSha256_SameValueInAnotherLayoutAndKeyOrder_SameHash_AnyChangedCharacter_AnotherHash()
    {
        var compact = """{"schemaVersion":"2.2","mainSteps":[{"name":"a","inputs":{"runCommand":["echo 'x'","<&>é"]}}]}""";
        var indented = "{\n  \"mainSteps\": [ { \"inputs\": { \"runCommand\": [ \"echo 'x'\", \"\\u003c&>\\u00e9\" ] }, \"name\": \"a\" } ],\n  \"schemaVersion\": \"2.2\"\n}\n";

        Assert.Equal(ShippedEvidenceDocument.CanonicalSha256(compact), ShippedEvidenceDocument.CanonicalSha256(indented));
        Assert.Matches("^[0-9a-f]{64}$", ShippedEvidenceDocument.CanonicalSha256(compact));
        Assert.NotEqual(ShippedEvidenceDocument.CanonicalSha256(compact), ShippedEvidenceDocument.CanonicalSha256(compact.Replace("echo 'x'", "echo 'y'", StringComparison.Ordinal)));
        // Array order is meaning (the order commands run in), so it is kept.
        Assert.NotEqual(ShippedEvidenceDocument.CanonicalSha256("""{"a":["1","2"]}"""), ShippedEvidenceDocument.CanonicalSha256("""{"a":["2","1"]}"""));
    }

    [Fact]
    public void Refusal_NoDocument_SaysWhereAndWhatToDeploy()
    {
        var refusal = ShippedEvidenceDocument.Refusal(Instance, "ThreatResponse-CollectEvidence", null);

        Assert.Equal("no Systems Manager document ThreatResponse-CollectEvidence in account 444455556666, Region eu-west-1: deploy templates/member-role.yaml (its Region) or templates/evidence-document.yaml (every other Region) there", refusal);
    }

    [Fact]
    public void Refusal_DocumentOfAnotherAccount_Refused()
    {
        var refusal = ShippedEvidenceDocument.Refusal(Instance, "ThreatResponse-CollectEvidence", Document() with { Owner = "111122223333" });

        Assert.Equal("document ThreatResponse-CollectEvidence in account 444455556666, Region eu-west-1 is owned by 111122223333, not by account 444455556666", refusal);
    }

    [Theory]
    [InlineData("Sha1", "0123456789abcdef0123456789abcdef01234567")]
    [InlineData(null, null)]
    public void Refusal_NoSha256ToPinTo_Refused(string? hashType, string? hash)
    {
        var refusal = ShippedEvidenceDocument.Refusal(Instance, "ThreatResponse-CollectEvidence", Document() with { HashType = hashType, Hash = hash });

        Assert.StartsWith("document ThreatResponse-CollectEvidence in account 444455556666, Region eu-west-1: version 3 has no SHA-256 hash to pin the command to", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Refusal_AutomationDocument_Refused()
    {
        Assert.Contains("is a Automation document, not the Command document", ShippedEvidenceDocument.Refusal(Instance, "ThreatResponse-CollectEvidence", Document() with { DocumentType = "Automation" }), StringComparison.Ordinal);
    }

    [Fact]
    public void Refusal_YamlOrOtherContent_RefusedWithBothHashesWhenJson()
    {
        var yaml = ShippedEvidenceDocument.Refusal(Instance, "ThreatResponse-CollectEvidence", Document() with { Content = "schemaVersion: '2.2'\n" });
        var other = ShippedEvidenceDocument.Refusal(Instance, "ThreatResponse-CollectEvidence", Document());

        Assert.Equal("document ThreatResponse-CollectEvidence in account 444455556666, Region eu-west-1: version 3's content is not JSON, so it is not the document ThreatResponse ships", yaml);
        Assert.StartsWith($"document ThreatResponse-CollectEvidence in account 444455556666, Region eu-west-1: version 3 (its default) has content SHA-256 {ShippedEvidenceDocument.CanonicalSha256(Document().Content)}, ThreatResponse ships {ShippedEvidenceDocument.ContentSha256}", other, StringComparison.Ordinal);
    }

    private static EvidenceDocument Document() =>
        new("ThreatResponse-CollectEvidence", "444455556666", "3", "Command", new string('a', 64), "Sha256", """{"schemaVersion":"2.2","mainSteps":[]}""");
}
