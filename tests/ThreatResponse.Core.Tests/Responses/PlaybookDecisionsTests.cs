using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Tests.Playbooks;

namespace ThreatResponse.Core.Tests.Responses;

public sealed class PlaybookDecisionsTests
{
    private const string ModesPlaybook = """
        version: 1
        rules:
          - name: always-enforce
            match: { types: Impact:EC2/* }
            actions: [isolate]
            mode: enforce
          - name: always-dry-run
            match: { types: Trojan:EC2/* }
            actions: [isolate, snapshot]
            mode: dry-run
          - name: never
            match: { types: Recon:EC2/* }
            actions: [isolate]
            mode: off
          - name: contain
            match: { types: Backdoor:EC2/* }
            actions: [isolate, snapshot, stop]
          - name: default
            actions: [notify]
        """;

    private static readonly LoadedPlaybook Modes = new(PlaybookParser.Parse(ModesPlaybook, "modes"), "modes", null);

    [Fact]
    public void Decide_ModeOff_NotifiesOnlyAndSaysSoEvenWhenARuleSaysIsolate()
    {
        Finding[] findings =
        [
            TestFindings.Make(type: "Backdoor:EC2/C&CActivity.B"),
            TestFindings.Make(type: "Impact:EC2/WinRMBruteForce"),
            TestFindings.Make(type: "Trojan:EC2/DNSDataExfiltration"),
        ];

        var decisions = PlaybookDecisions.Decide(findings, Modes, ResponseMode.Off);

        Assert.Equal(["contain", "always-enforce", "always-dry-run"], decisions.Select(d => d.Rule));
        Assert.All(decisions, d =>
        {
            Assert.Empty(d.Actions);
            Assert.False(d.DryRun);
            Assert.Contains("AUTO_RESPONSE_MODE=off", d.Reason, StringComparison.Ordinal);
            Assert.Equal("notify", d.Key);
        });
        Assert.Equal("AUTO_RESPONSE_MODE=off (rule contain would isolate+snapshot+stop): notify only", decisions[0].Reason);
    }

    [Fact]
    public void Decide_ModeOffWithDefaultPlaybook_NeverContains()
    {
        var finding = TestFindings.Make(type: "CryptoCurrency:EC2/BitcoinTool.B!DNS", severity: 9, role: ResourceRole.Actor);

        var decision = Assert.Single(PlaybookDecisions.Decide([finding], new LoadedPlaybook(Playbook.Default, "default", null), ResponseMode.Off));

        Assert.Equal("high-severity-actor", decision.Rule);
        Assert.Empty(decision.Actions);
        Assert.Equal("AUTO_RESPONSE_MODE=off (rule high-severity-actor would isolate+snapshot): notify only", decision.Reason);
    }

    [Fact]
    public void Decide_ModeDryRun_PlansTheRuleActionsAsDryRun()
    {
        var decision = Assert.Single(PlaybookDecisions.Decide([TestFindings.Make(type: "Backdoor:EC2/C&CActivity.B")], Modes, ResponseMode.DryRun));

        Assert.Equal("contain", decision.Rule);
        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot, ContainmentAction.Stop], decision.Actions);
        Assert.True(decision.DryRun);
        Assert.Equal("isolate+snapshot+stop|dry-run", decision.Key);
    }

    [Fact]
    public void Decide_ModeEnforce_ActsForReal()
    {
        var decision = Assert.Single(PlaybookDecisions.Decide([TestFindings.Make(type: "Backdoor:EC2/C&CActivity.B")], Modes, ResponseMode.Enforce));

        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot, ContainmentAction.Stop], decision.Actions);
        Assert.False(decision.DryRun);
        Assert.Null(decision.Reason);
    }

    [Fact]
    public void Decide_RuleModeEnforceUnderGlobalDryRun_Enforces()
    {
        var decision = Assert.Single(PlaybookDecisions.Decide([TestFindings.Make(type: "Impact:EC2/WinRMBruteForce")], Modes, ResponseMode.DryRun));

        Assert.Equal("always-enforce", decision.Rule);
        Assert.Equal([ContainmentAction.Isolate], decision.Actions);
        Assert.False(decision.DryRun);
    }

    [Fact]
    public void Decide_RuleModeDryRunUnderGlobalEnforce_IsDryRun()
    {
        var decision = Assert.Single(PlaybookDecisions.Decide([TestFindings.Make(type: "Trojan:EC2/DNSDataExfiltration")], Modes, ResponseMode.Enforce));

        Assert.Equal("always-dry-run", decision.Rule);
        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot], decision.Actions);
        Assert.True(decision.DryRun);
    }

    [Fact]
    public void Decide_RuleModeOffUnderGlobalEnforce_NotifiesOnly()
    {
        var decision = Assert.Single(PlaybookDecisions.Decide([TestFindings.Make(type: "Recon:EC2/Portscan")], Modes, ResponseMode.Enforce));

        Assert.Equal("never", decision.Rule);
        Assert.Empty(decision.Actions);
        Assert.False(decision.DryRun);
    }

    [Fact]
    public void Decide_NotifyRule_NotifiesOnlyWithTheRuleAsReason()
    {
        var decision = Assert.Single(PlaybookDecisions.Decide([TestFindings.Make(type: "Policy:EC2/Whatever")], Modes, ResponseMode.Enforce));

        Assert.Equal("default", decision.Rule);
        Assert.Empty(decision.Actions);
        Assert.Equal("rule default: notify only", decision.Reason);
    }

    [Theory]
    [InlineData(ResponseMode.Off)]
    [InlineData(ResponseMode.DryRun)]
    [InlineData(ResponseMode.Enforce)]
    public void Decide_InvalidPlaybook_NotifiesOnlyAndSaysWhy(ResponseMode mode)
    {
        var finding = TestFindings.Make(type: "Backdoor:EC2/C&CActivity.B", severity: 9, role: ResourceRole.Actor, instances: [TestFindings.InstanceA, TestFindings.InstanceB]);

        var decisions = PlaybookDecisions.Decide([finding], new LoadedPlaybook(null, "PLAYBOOK", "x"), mode);

        Assert.Equal([TestFindings.InstanceA, TestFindings.InstanceB], decisions.Select(d => d.Instance!.InstanceId.Value));
        Assert.All(decisions, d =>
        {
            Assert.Equal("playbook-invalid", d.Rule);
            Assert.Empty(d.Actions);
            Assert.False(d.DryRun);
            Assert.Equal("nothing contained because the playbook is unusable: x", d.Reason);
        });
    }

    [Fact]
    public void Decide_InvalidPlaybookAndFindingWithoutInstance_NotifiesOnly()
    {
        var finding = TestFindings.WithoutInstances(TestFindings.Make());

        var decision = Assert.Single(PlaybookDecisions.Decide([finding], new LoadedPlaybook(null, "PLAYBOOK", "x"), ResponseMode.Enforce));

        Assert.Null(decision.Instance);
        Assert.Equal("playbook-invalid", decision.Rule);
        Assert.Empty(decision.Actions);
    }

    [Fact]
    public void Decide_FindingWithoutInstance_NamesTheRuleAndContainsNothing()
    {
        var finding = TestFindings.WithoutInstances(TestFindings.Make(type: "Backdoor:EC2/C&CActivity.B", severity: 9, role: ResourceRole.Actor));

        var decision = Assert.Single(PlaybookDecisions.Decide([finding], Modes, ResponseMode.Enforce));

        Assert.Null(decision.Instance);
        Assert.Equal("contain", decision.Rule);
        Assert.Empty(decision.Actions);
        Assert.Equal("the finding names no EC2 instance; nothing to contain", decision.Reason);
    }

    [Fact]
    public void Decide_TwoInstancesTaggedDifferently_DecidesPerInstance()
    {
        var playbook = PlaybookParser.Parse("""
            version: 1
            rules:
              - name: production
                match:
                  instanceTags: { Environment: prod* }
                actions: [isolate, snapshot]
              - name: default
                actions: [notify]
            """, "tags");
        var finding = TestFindings.Make(instances: [TestFindings.InstanceA, TestFindings.InstanceB])
            .WithTags(TestFindings.InstanceA, ("Environment", "production"), ("Name", "web-1"))
            .WithTags(TestFindings.InstanceB, ("Environment", "staging"));

        var decisions = PlaybookDecisions.Decide([finding], new LoadedPlaybook(playbook, "tags", null), ResponseMode.Enforce);

        Assert.Equal(2, decisions.Count);
        Assert.Equal(TestFindings.InstanceA, decisions[0].Instance!.InstanceId.Value);
        Assert.Equal("production", decisions[0].Rule);
        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot], decisions[0].Actions);
        Assert.Equal(TestFindings.InstanceB, decisions[1].Instance!.InstanceId.Value);
        Assert.Equal("default", decisions[1].Rule);
        Assert.Empty(decisions[1].Actions);
    }

    [Fact]
    public void Decide_InstanceWithoutKnownTags_DoesNotMatchATagRule()
    {
        var playbook = PlaybookParser.Parse("""
            version: 1
            rules:
              - name: anything-tagged
                match:
                  instanceTags: { Environment: "*" }
                actions: [isolate]
              - name: default
                actions: [notify]
            """, "tags");
        var finding = TestFindings.Make(instances: [TestFindings.InstanceA, TestFindings.InstanceB])
            .WithTags(TestFindings.InstanceB, ("Environment", ""));

        var decisions = PlaybookDecisions.Decide([finding], new LoadedPlaybook(playbook, "tags", null), ResponseMode.Enforce);

        Assert.Equal(["default", "anything-tagged"], decisions.Select(d => d.Rule));
    }

    [Fact]
    public void Decide_SeveralFindings_KeepsFindingAndInstanceOrder()
    {
        var first = TestFindings.Make(type: "Backdoor:EC2/C&CActivity.B", instances: [TestFindings.InstanceB, TestFindings.InstanceA]);
        var second = TestFindings.WithoutInstances(TestFindings.Make());
        var third = TestFindings.Make(type: "Trojan:EC2/DNSDataExfiltration");

        var decisions = PlaybookDecisions.Decide([first, second, third], Modes, ResponseMode.Enforce);

        Assert.Equal(
            [(first.Id, TestFindings.InstanceB), (first.Id, TestFindings.InstanceA), (second.Id, (string?)null), (third.Id, TestFindings.InstanceA)],
            decisions.Select(d => (d.Finding.Id, d.Instance?.InstanceId.Value)));
    }
}
