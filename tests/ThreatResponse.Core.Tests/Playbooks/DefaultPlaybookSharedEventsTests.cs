using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Playbooks;

/// <summary>What the embedded default playbook decides for every real GuardDuty event in the repository's corpus (tests/events), and for synthetic findings that reach its other rules.</summary>
public sealed class DefaultPlaybookSharedEventsTests
{
    private const string GuardDutyFolder = "guardduty/";

    /// <summary>File → the single decision expected: instance (null when the finding names none), rule, actions joined with '+'.</summary>
    private static readonly Dictionary<string, (string? InstanceId, string Rule, string Actions)> Expected = new()
    {
        // Sample findings are never contained, whatever their severity or role (this one is sev 5 TARGET Backdoor).
        ["guardduty/guardduty-ec2-backdoor-c2activity-b-dns-sample.json"] = ("i-99999999", "sample-findings", "notify"),
        // Sev 8 ACTOR Backdoor: would be high-severity-actor, but it is a sample.
        ["guardduty/guardduty-ec2-backdoor-denialofservice-tcp-sample.json"] = ("i-99999999", "sample-findings", "notify"),
        // Sev 5 TARGET, type Canary:EC2/..., not a sample: no rule but the default.
        ["guardduty/guardduty-ec2-canary-stateless-integtest.json"] = ("i-05746eb48123455e0", "default", "notify"),
        ["guardduty/guardduty-ec2-recon-portprobeunprotectedport.json"] = ("i-0d6c314027f74dc82", "low-severity", "notify"),
        ["guardduty/guardduty-ec2-ssh-bruteforce.json"] = ("i-081de1d7604b11e4a", "low-severity", "notify"),
        // Trojan:EC2/* would be known-compromise-types, but it is a sample (flag only inside additionalInfo.value).
        ["guardduty/guardduty-ec2-trojan-blackholetraffic-dns-sample.json"] = ("i-99999999", "sample-findings", "notify"),
        ["guardduty/guardduty-iamuser-recon-maliciousipcaller-custom-sample.json"] = (null, "sample-findings", "notify"),
        ["guardduty/guardduty-iamuser-toripcaller-accesskey-sample.json"] = (null, "sample-findings", "notify"),
        // Every instance of an EC2 attack sequence: isolated and snapshotted.
        ["guardduty/guardduty-attacksequence-ec2-compromisedinstancegroup-constructed.json"] = ("i-0a1b2c3d4e5f60711,i-0a1b2c3d4e5f60722,i-0a1b2c3d4e5f60733", "attack-sequence-ec2", "isolate+snapshot"),
        // An IAM attack sequence (sev 9, no detection block): names no instance, so notified.
        ["guardduty/guardduty-attacksequence-iam-compromisedcredentials-wrapped.json"] = (null, "default", "notify"),
        // Stolen instance credentials: the instance is the victim; a sample, so notified only.
        ["guardduty/guardduty-iamuser-instancecredentialexfiltration-outsideaws-sample-wrapped.json"] = ("i-99999999", "sample-findings", "notify"),
        ["guardduty/guardduty-rds-credentialaccess-anomalousbehavior-successfullogin-sample.json"] = (null, "sample-findings", "notify"),
        // Not a sample, sev 5, no role; the container is the resource, so no instance.
        ["guardduty/guardduty-runtime-container-dockersocketaccessed.json"] = (null, "default", "notify"),
    };

    public static TheoryData<string> GuardDutyFiles() => [.. GuardDutyEventFiles()];

    [Fact]
    public void SharedEvents_EveryGuardDutyFile_HasAnExpectedDecision()
    {
        var files = GuardDutyEventFiles();

        Assert.NotEmpty(files);
        Assert.Empty(files.Except(Expected.Keys));
        Assert.Empty(Expected.Keys.Except(files));
    }

    [Theory]
    [MemberData(nameof(GuardDutyFiles))]
    public void Decide_SharedGuardDutyEvent_GetsTheExpectedDecision(string file)
    {
        var result = FindingEventParser.Parse(File.ReadAllBytes(EventCorpus.PathOf(file)));
        Assert.True(result.IsSuccess, $"{file}: {result.Error}");

        var decisions = PlaybookDecisions.Decide(result.Event.Findings, DefaultLoad, ResponseMode.Enforce);

        // One decision per instance the finding names (an attack sequence names several), all from the same rule.
        var (instanceIds, rule, actions) = Expected[file];
        Assert.Equal(instanceIds, decisions.All(d => d.Instance is null) ? null : string.Join(',', decisions.Select(d => d.Instance?.InstanceId.Value)));
        Assert.All(decisions, decision =>
        {
            Assert.Equal(rule, decision.Rule);
            Assert.Equal(actions, ActionsOf(decision));
            Assert.False(decision.DryRun);
            Assert.Same(result.Event.Findings[0], decision.Finding);
        });
    }

    public static TheoryData<string, double, ResourceRole?, bool, string, string> SyntheticFindings() => new()
    {
        // type, severity (0-10), role, sample, expected rule, expected actions
        { "Recon:EC2/Portscan", 8, ResourceRole.Actor, false, "high-severity-actor", "isolate+snapshot" },
        { "Recon:EC2/Portscan", 7, ResourceRole.Actor, false, "high-severity-actor", "isolate+snapshot" },
        { "Recon:EC2/Portscan", 6.9, ResourceRole.Actor, false, "default", "notify" },
        { "Recon:EC2/Portscan", 8, ResourceRole.Target, false, "default", "notify" },
        { "Recon:EC2/Portscan", 8, null, false, "default", "notify" },
        { "Recon:EC2/Portscan", 9.5, ResourceRole.Actor, true, "sample-findings", "notify" },
        { "CryptoCurrency:EC2/BitcoinTool.B!DNS", 5, ResourceRole.Target, false, "known-compromise-types", "isolate+snapshot" },
        { "UnauthorizedAccess:EC2/TorRelay", 5, ResourceRole.Actor, false, "known-compromise-types", "isolate+snapshot" },
        { "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", 5, ResourceRole.Target, false, "known-compromise-types", "isolate+snapshot" },
        { "UnauthorizedAccess:EC2/MaliciousIPCaller", 5, ResourceRole.Target, false, "default", "notify" },
        { "Impact:EC2/WinRMBruteForce", 4, ResourceRole.Target, false, "known-compromise-types", "isolate+snapshot" },
        { "Backdoor:EC2/C&CActivity.B", 3, ResourceRole.Actor, false, "low-severity", "notify" },
        { "Backdoor:EC2/C&CActivity.B", 3.9, ResourceRole.Target, false, "low-severity", "notify" },
        { "Backdoor:EC2/C&CActivity.B", 8, ResourceRole.Actor, false, "high-severity-actor", "isolate+snapshot" },
        { "Backdoor:Runtime/C&CActivity.B", 5, ResourceRole.Target, false, "default", "notify" },
    };

    [Theory]
    [MemberData(nameof(SyntheticFindings))]
    public void Decide_SyntheticFinding_GetsTheExpectedDecision(string type, double severity, ResourceRole? role, bool sample, string rule, string actions)
    {
        var finding = TestFindings.Make(type: type, severity: severity, role: role, sample: sample);

        var decision = Assert.Single(PlaybookDecisions.Decide([finding], DefaultLoad, ResponseMode.Enforce));

        Assert.Equal(TestFindings.InstanceA, decision.Instance?.InstanceId.Value);
        Assert.Equal(rule, decision.Rule);
        Assert.Equal(actions, ActionsOf(decision));
        Assert.False(decision.DryRun);
    }

    [Fact]
    public void Decide_HighSeverityActor_IsolatesBeforeSnapshotting()
    {
        var decision = Assert.Single(PlaybookDecisions.Decide([TestFindings.Make(severity: 8, role: ResourceRole.Actor)], DefaultLoad, ResponseMode.Enforce));

        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot], decision.Actions);
        Assert.Null(decision.Reason);
    }

    private static LoadedPlaybook DefaultLoad => new(Playbook.Default, "default", null);

    private static string ActionsOf(FindingDecision decision) =>
        decision.Actions.Count == 0 ? "notify" : string.Join('+', decision.Actions.Select(a => a.ToString().ToLowerInvariant()));

    private static List<string> GuardDutyEventFiles() =>
        [.. EventCorpus.All().Where(f => f.StartsWith(GuardDutyFolder, StringComparison.Ordinal))];
}
