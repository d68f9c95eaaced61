using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>Every real event in the repository's corpus (tests/events) parses, and is classified as the file's provenance says it should be.</summary>
public sealed class FindingEventParserSharedEventsTests
{
    /// <summary>What each shared file must yield: kind, finding count, and the instances named as "id@account/region".</summary>
    private static readonly Dictionary<string, (FindingEventKind Kind, int Findings, string[] Instances)> Expected = new()
    {
        ["guardduty/guardduty-ec2-backdoor-c2activity-b-dns-sample.json"] = (FindingEventKind.GuardDutyFinding, 1, ["i-99999999@883606788610/us-east-1"]),
        ["guardduty/guardduty-ec2-backdoor-denialofservice-tcp-sample.json"] = (FindingEventKind.GuardDutyFinding, 1, ["i-99999999@123456789012/eu-west-1"]),
        ["guardduty/guardduty-ec2-canary-stateless-integtest.json"] = (FindingEventKind.GuardDutyFinding, 1, ["i-05746eb48123455e0@123456789012/us-east-1"]),
        ["guardduty/guardduty-ec2-recon-portprobeunprotectedport.json"] = (FindingEventKind.GuardDutyFinding, 1, ["i-0d6c314027f74dc82@012345678910/us-east-1"]),
        ["guardduty/guardduty-ec2-ssh-bruteforce.json"] = (FindingEventKind.GuardDutyFinding, 1, ["i-081de1d7604b11e4a@123456789012/us-east-1"]),
        ["guardduty/guardduty-ec2-trojan-blackholetraffic-dns-sample.json"] = (FindingEventKind.GuardDutyFinding, 1, ["i-99999999@123412341234/us-east-1"]),
        // resourceType AccessKey although instanceDetails is present: not an instance finding.
        ["guardduty/guardduty-iamuser-recon-maliciousipcaller-custom-sample.json"] = (FindingEventKind.GuardDutyFinding, 1, []),
        ["guardduty/guardduty-iamuser-toripcaller-accesskey-sample.json"] = (FindingEventKind.GuardDutyFinding, 1, []),
        // Constructed from the model: three instances in two accounts, one of them named twice (deduplicated).
        ["guardduty/guardduty-attacksequence-ec2-compromisedinstancegroup-constructed.json"] = (FindingEventKind.GuardDutyFinding, 1,
            ["i-0a1b2c3d4e5f60711@123456789012/us-east-1", "i-0a1b2c3d4e5f60722@111122223333/us-east-1", "i-0a1b2c3d4e5f60733@123456789012/us-east-1"]),
        // An attack sequence about IAM: no EC2 resource among its (absent) sequence resources.
        ["guardduty/guardduty-attacksequence-iam-compromisedcredentials-wrapped.json"] = (FindingEventKind.GuardDutyFinding, 1, []),
        // resourceType AccessKey, but InstanceCredentialExfiltration: the instance whose role credentials leaked is named.
        ["guardduty/guardduty-iamuser-instancecredentialexfiltration-outsideaws-sample-wrapped.json"] = (FindingEventKind.GuardDutyFinding, 1, ["i-99999999@973743533182/us-east-2"]),
        ["guardduty/guardduty-rds-credentialaccess-anomalousbehavior-successfullogin-sample.json"] = (FindingEventKind.GuardDutyFinding, 1, []),
        // resourceType Container with instanceDetails: the container is the resource, not the host.
        ["guardduty/guardduty-runtime-container-dockersocketaccessed.json"] = (FindingEventKind.GuardDutyFinding, 1, []),
        ["securityhub-custom-action/securityhub-custom-action-cis-2.3-s3-bucket.json"] = (FindingEventKind.SecurityHubCustomAction, 1, []),
        ["securityhub-custom-action/securityhub-custom-action-cis-cloudtrail-trail.json"] = (FindingEventKind.SecurityHubCustomAction, 1, []),
        ["securityhub-custom-action/securityhub-custom-action-fsbp-ec2.2-default-security-group.json"] = (FindingEventKind.SecurityHubCustomAction, 1, []),
        ["securityhub-custom-action/securityhub-custom-action-fsbp-ec2.7-account.json"] = (FindingEventKind.SecurityHubCustomAction, 1, []),
        ["securityhub-custom-action/securityhub-custom-action-fsbp-ec2.8-imdsv2-awsec2instance.json"] = (FindingEventKind.SecurityHubCustomAction, 1, ["i-0000000aaaaaaaaaa@123456789012/eu-west-1"]),
        ["securityhub-custom-action/securityhub-custom-action-fsbp-rds.6-db-instance.json"] = (FindingEventKind.SecurityHubCustomAction, 1, []),
        ["securityhub-custom-action/securityhub-custom-action-guardduty-iamuser-consolelogin-accesskey.json"] = (FindingEventKind.SecurityHubCustomAction, 1, []),
        ["securityhub-custom-action/securityhub-custom-action-multi-cis-1.6-two-findings.json"] = (FindingEventKind.SecurityHubCustomAction, 2, []),
        ["securityhub-imported/securityhub-imported-cis-1.3-account.json"] = (FindingEventKind.SecurityHubImported, 1, []),
        ["securityhub-imported/securityhub-imported-fsbp-ec2.8-imdsv2-awsec2instance.json"] = (FindingEventKind.SecurityHubImported, 1, ["i-0000000aaaaaaaaaa@123456789012/eu-west-1"]),
        // The AWS doc's ARNs have a doubled colon (arn:aws::ec2:...); they still name the instance.
        ["securityhub-imported/securityhub-imported-guardduty-ec2-ssh-bruteforce.json"] = (FindingEventKind.SecurityHubImported, 1, ["i-0c10c2c7863d1a356@193043430472/us-east-1"]),
        // The new Security Hub (OCSF): GuardDuty findings keep GuardDuty's finding ARN as their id; instances from AWS::EC2::Instance resources.
        ["securityhub-imported-v2/securityhub-v2-guardduty-runtime-newbinaryexecuted-ec2-instance-wrapped.json"] = (FindingEventKind.SecurityHubImportedV2, 1, ["i-0123456789abcdef0@123456789012/us-east-1"]),
        ["securityhub-imported-v2/securityhub-v2-guardduty-stealth-cloudtrailloggingdisabled-accesskey.json"] = (FindingEventKind.SecurityHubImportedV2, 1, []),
        ["securityhub-imported-v2/securityhub-v2-cspm-config2.5-account-wrapped.json"] = (FindingEventKind.SecurityHubImportedV2, 1, []),
    };

    public static TheoryData<string> SharedEventFiles() => [.. EventCorpus.All()];

    [Fact]
    public void SharedEvents_EveryFile_HasAnExpectedClassification()
    {
        var files = EventCorpus.All();

        Assert.NotEmpty(files);
        Assert.Empty(files.Except(Expected.Keys));
        Assert.Empty(Expected.Keys.Except(files));
    }

    [Theory]
    [MemberData(nameof(SharedEventFiles))]
    public void Parse_SharedEvent_ClassifiesAsExpected(string file)
    {
        var result = FindingEventParser.Parse(File.ReadAllBytes(EventCorpus.PathOf(file)));

        Assert.True(result.IsSuccess, $"{file}: {result.Error}");
        var (kind, findings, instances) = Expected[file];
        Assert.Equal(kind, result.Event.Kind);
        Assert.Equal(findings, result.Event.Findings.Count);
        Assert.Equal(instances, result.Event.Findings.SelectMany(f => f.Instances).Select(i => $"{i.InstanceId}@{i.Account}/{i.Region}"));
    }

    [Fact]
    public void Parse_GuardDutyEventWithOtherEnvelopeAccount_UsesFindingAccountAndBuildsProductArn()
    {
        var finding = ParseSingle("guardduty/guardduty-ec2-backdoor-c2activity-b-dns-sample.json");

        Assert.Equal("arn:aws:guardduty:us-east-1:883606788610:detector/883606788610/finding/b4b01b60fc24a199139f8f5f490edd81", finding.Id);
        Assert.Equal("arn:aws:securityhub:us-east-1::product/aws/guardduty", finding.ProductArn);
        Assert.Equal("883606788610", finding.Account);
        Assert.Equal(FindingSource.GuardDuty, finding.Source);
        Assert.Equal("Backdoor:EC2/C&CActivity.B!DNS", finding.Type);
        Assert.Equal(new Severity(SeverityLabel.Medium, 50), finding.Severity);
        Assert.Equal(ResourceRole.Target, finding.ResourceRole);
        Assert.True(finding.Sample);
    }

    [Fact]
    public void Parse_SampleFlagOnlyInsideWrappedAdditionalInfoValue_IsSample()
    {
        Assert.True(ParseSingle("guardduty/guardduty-ec2-trojan-blackholetraffic-dns-sample.json").Sample);
    }

    [Fact]
    public void Parse_RealGuardDutyFindingWithEpochLaunchTime_IsNotSampleAndHighSeverityMapped()
    {
        var actor = ParseSingle("guardduty/guardduty-ec2-backdoor-denialofservice-tcp-sample.json");
        var real = ParseSingle("guardduty/guardduty-ec2-recon-portprobeunprotectedport.json");

        Assert.Equal(new Severity(SeverityLabel.High, 80), actor.Severity);
        Assert.Equal(ResourceRole.Actor, actor.ResourceRole);
        Assert.False(real.Sample);
        Assert.Equal(new Severity(SeverityLabel.Low, 20), real.Severity);
    }

    [Fact]
    public void Parse_GuardDutyFindingRelayedBySecurityHub_KeepsIdsAndRecoversGuardDutyType()
    {
        var finding = ParseSingle("securityhub-imported/securityhub-imported-guardduty-ec2-ssh-bruteforce.json");

        Assert.Equal(FindingSource.SecurityHub, finding.Source);
        Assert.Equal("arn:aws::securityhub:us-east-1::product/aws/guardduty", finding.ProductArn);
        Assert.Equal("UnauthorizedAccess:EC2/SSHBruteForce", finding.Type);
        Assert.Equal(ResourceRole.Target, finding.ResourceRole);
        Assert.Equal(new Severity(SeverityLabel.Medium, 40), finding.Severity);
        Assert.Equal("aws", finding.Partition);
    }

    [Fact]
    public void Parse_CustomActionEvent_KeepsActionArnAndFindingRegionOverEnvelope()
    {
        var result = FindingEventParser.Parse(File.ReadAllBytes(EventCorpus.PathOf("securityhub-custom-action/securityhub-custom-action-fsbp-ec2.8-imdsv2-awsec2instance.json")));

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal("arn:aws:securityhub:us-east-1:123456789012:action/custom/slackMessaging", result.Event.CustomActionArn);
        Assert.Equal("CreateJiraIssue", result.Event.CustomActionName);
        Assert.Equal("us-east-1", result.Event.Region);
        var finding = Assert.Single(result.Event.Findings);
        Assert.Equal("eu-west-1", finding.Region);
        Assert.Equal(new Severity(SeverityLabel.High, 70), finding.Severity);
    }

    [Fact]
    public void Parse_AsffWithoutLabel_DerivesLabelFromNormalized()
    {
        var finding = ParseSingle("securityhub-custom-action/securityhub-custom-action-guardduty-iamuser-consolelogin-accesskey.json");

        Assert.Equal(new Severity(SeverityLabel.Medium, 50), finding.Severity);
        Assert.Equal("UnauthorizedAccess:IAMUser/ConsoleLogin", finding.Type);
    }

    private static Finding ParseSingle(string file)
    {
        var result = FindingEventParser.Parse(File.ReadAllBytes(EventCorpus.PathOf(file)));
        Assert.True(result.IsSuccess, $"{file}: {result.Error}");
        return Assert.Single(result.Event.Findings);
    }
}
