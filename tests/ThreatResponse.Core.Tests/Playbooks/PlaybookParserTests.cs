using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Playbooks;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Core.Tests.Playbooks;

public sealed class PlaybookParserTests
{
    private const string ValidYaml = """
        # A team's playbook.
        version: 1
        rules:
          - name: prod-crypto
            description: Crypto mining on production is always contained.
            match:
              types:
                - CryptoCurrency:EC2/*
                - Backdoor:EC2/C&CActivity.B!DNS
              severityAtLeast: 4
              severityBelow: 9.5
              resourceRole: TARGET
              sample: false
              accounts: ['012345678910', '123456789012']
              instanceTags:
                Environment: prod*
            actions: [isolate, snapshot, stop]
            mode: enforce
          - name: single-type
            match:
              types: UnauthorizedAccess:EC2/TorRelay
            actions:
              - notify
              - isolate
            mode: dry-run
          - name: default
            actions: [notify]
        """;

    private const string EquivalentJson = """
        {
        	"version": 1,
        	"rules": [
        		{
        			"name": "prod-crypto",
        			"description": "Crypto mining on production is always contained.",
        			"match": {
        				"types": ["CryptoCurrency:EC2/*", "Backdoor:EC2/C&CActivity.B!DNS"],
        				"severityAtLeast": 4,
        				"severityBelow": 9.5,
        				"resourceRole": "TARGET",
        				"sample": false,
        				"accounts": ["012345678910", "123456789012"],
        				"instanceTags": { "Environment": "prod*" }
        			},
        			"actions": ["isolate", "snapshot", "stop"],
        			"mode": "enforce"
        		},
        		{
        			"name": "single-type",
        			"match": { "types": "UnauthorizedAccess:EC2/TorRelay" },
        			"actions": ["notify", "isolate"],
        			"mode": "dry-run"
        		},
        		{ "name": "default", "actions": ["notify"] }
        	]
        }
        """;

    [Fact]
    public void Parse_ValidYaml_ReadsEveryField()
    {
        var playbook = PlaybookParser.Parse(ValidYaml, "test.yaml");

        Assert.Equal(["prod-crypto", "single-type", "default"], playbook.Rules.Select(r => r.Name));
        var crypto = playbook.Rules[0];
        Assert.Equal(["CryptoCurrency:EC2/*", "Backdoor:EC2/C&CActivity.B!DNS"], crypto.Match.Types!);
        Assert.Equal(4, crypto.Match.SeverityAtLeast);
        Assert.Equal(9.5, crypto.Match.SeverityBelow);
        Assert.Equal(ResourceRole.Target, crypto.Match.ResourceRole);
        Assert.False(crypto.Match.Sample);
        Assert.Equal(["012345678910", "123456789012"], crypto.Match.Accounts!);
        Assert.Equal(new Dictionary<string, string> { ["Environment"] = "prod*" }, crypto.Match.InstanceTags!);
        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot, ContainmentAction.Stop], crypto.Actions);
        Assert.Equal(ResponseMode.Enforce, crypto.Mode);

        var single = playbook.Rules[1];
        Assert.Equal(["UnauthorizedAccess:EC2/TorRelay"], single.Match.Types!);
        Assert.Null(single.Match.SeverityAtLeast);
        Assert.Null(single.Match.ResourceRole);
        Assert.Null(single.Match.Sample);
        Assert.Null(single.Match.Accounts);
        Assert.Null(single.Match.InstanceTags);
        Assert.Equal([ContainmentAction.Isolate], single.Actions); // notify is implied, so it is not an action
        Assert.Equal(ResponseMode.DryRun, single.Mode);

        var last = playbook.Rules[2];
        Assert.Same(RuleMatch.Everything, last.Match);
        Assert.Empty(last.Actions);
        Assert.Null(last.Mode);
    }

    [Fact]
    public void Parse_EquivalentJson_GivesTheSameRulesAsYaml()
    {
        var fromYaml = PlaybookParser.Parse(ValidYaml, "test.yaml");
        var fromJson = PlaybookParser.Parse(EquivalentJson, "test.json");

        Assert.Equal(fromYaml.Rules.Count, fromJson.Rules.Count);
        Assert.Equivalent(fromYaml.Rules, fromJson.Rules, strict: true);
        foreach (var (yaml, json) in fromYaml.Rules.Zip(fromJson.Rules))
        {
            Assert.Equal(yaml.Name, json.Name);
            Assert.Equal(yaml.Actions, json.Actions);
            Assert.Equal(yaml.Mode, json.Mode);
            Assert.Equal(yaml.Match.Types ?? [], json.Match.Types ?? []);
            Assert.Equal(yaml.Match.Accounts ?? [], json.Match.Accounts ?? []);
        }
    }

    [Fact]
    public void Default_EmbeddedPlaybook_HasTheDocumentedRulesInOrder()
    {
        var rules = Playbook.Default.Rules;

        Assert.Equal(["sample-findings", "low-severity", "attack-sequence-ec2", "high-severity-actor", "known-compromise-types", "default"], rules.Select(r => r.Name));
        Assert.All(rules, r => Assert.Null(r.Mode));

        Assert.Equal(new RuleMatch(Sample: true), rules[0].Match);
        Assert.Empty(rules[0].Actions);

        Assert.Equal(new RuleMatch(SeverityBelow: 4), rules[1].Match);
        Assert.Empty(rules[1].Actions);

        Assert.Equal(["AttackSequence:EC2/*"], rules[2].Match.Types!);
        Assert.True(rules[2].Match.Sequence);
        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot], rules[2].Actions);

        Assert.Equal(new RuleMatch(SeverityAtLeast: 7, ResourceRole: ResourceRole.Actor), rules[3].Match);
        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot], rules[3].Actions);

        Assert.Equal(
            ["Backdoor:EC2/*", "CryptoCurrency:EC2/*", "Trojan:EC2/*", "Impact:EC2/*", "UnauthorizedAccess:EC2/TorRelay", "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.*"],
            rules[4].Match.Types!);
        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.Snapshot], rules[4].Actions);

        Assert.Equal(RuleMatch.Everything, rules[5].Match);
        Assert.Empty(rules[5].Actions);
    }

    [Fact]
    public void Default_EmbeddedPlaybook_NeverStopsAnInstance()
    {
        Assert.DoesNotContain(Playbook.Default.Rules, r => r.Actions.Contains(ContainmentAction.Stop));
    }

    [Fact]
    public void Parse_ActionsInAnyOrder_KeepsTheGivenOrder()
    {
        var playbook = PlaybookParser.Parse(Playbook1("""
              - name: snap-first
                match: { sample: false }
                actions: [snapshot, isolate]
            """), "p");

        Assert.Equal([ContainmentAction.Snapshot, ContainmentAction.Isolate], playbook.Rules[0].Actions);
    }

    [Fact]
    public void Parse_NetworkAclFalseOnAnIsolatingRule_KeptOnTheRuleAndInTheDecisionKey()
    {
        var playbook = PlaybookParser.Parse(Playbook1("  - name: no-acl-changes\n    match: { sample: false }\n    actions: [isolate, snapshot]\n    networkAcl: false"), "p");

        Assert.False(playbook.Rules[0].NetworkAcl);
        Assert.Null(playbook.Rules[1].NetworkAcl);
        var decision = new ThreatResponse.Core.Responses.FindingDecision(TestFindings.Make(), null, playbook.Rules[0].Actions, "no-acl-changes") { NetworkAcl = false };
        Assert.Equal("isolate+snapshot|no-acl", decision.Key);
    }

    [Fact]
    public void Parse_RevokeSessionsWithIsolate_AcceptedInOrderAndNamedInTheDecisionKey()
    {
        var playbook = PlaybookParser.Parse(Playbook1("  - name: stolen-credentials\n    match: { types: ['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.*'] }\n    actions: [isolate, revoke-sessions, snapshot]"), "p");

        Assert.Equal([ContainmentAction.Isolate, ContainmentAction.RevokeSessions, ContainmentAction.Snapshot], playbook.Rules[0].Actions);
        var decision = new ThreatResponse.Core.Responses.FindingDecision(TestFindings.Make(), null, playbook.Rules[0].Actions, "stolen-credentials");
        Assert.Equal("isolate+revoke-sessions+snapshot", decision.Key);
    }

    [Fact]
    public void DefaultPlaybook_NoRule_RevokesSessions()
    {
        Assert.DoesNotContain(Playbook.Default.Rules, r => r.Actions.Contains(ContainmentAction.RevokeSessions));
    }

    /// <summary>Each invalid playbook and the one error it must report, with its path.</summary>
    public static TheoryData<string, string, string> InvalidPlaybooks() => new()
    {
        { "empty", "", "holds no document, or more than one" },
        { "comment only", "# nothing here\n", "holds no document, or more than one" },
        { "two documents", "version: 1\n---\nversion: 1\n", "holds no document, or more than one" },
        { "list at root", "- name: a\n- name: b\n", "$: expected a mapping with 'version' and 'rules'" },
        { "scalar at root", "just text", "$: expected a mapping with 'version' and 'rules'" },
        { "missing version", "rules:\n  - name: default\n    actions: [notify]\n", "version: must be 1" },
        { "version 2", "version: 2\nrules:\n  - name: default\n    actions: [notify]\n", "version: must be 1" },
        { "unknown root field", "version: 1\nname: x\nrules:\n  - name: default\n    actions: [notify]\n", "name: unknown field (expected one of version, rules)" },
        { "missing rules", "version: 1\n", "rules: expected a non-empty list of rules" },
        { "empty rules", "version: 1\nrules: []\n", "rules: expected a non-empty list of rules" },
        { "rules a mapping", "version: 1\nrules:\n  name: default\n", "rules: expected a non-empty list of rules" },
        { "rule not a mapping", Playbook1("  - isolate-everything"), "rules[0]: expected a mapping with 'name', 'match' and 'actions'" },
        { "missing name", Playbook1("  - match: { sample: true }\n    actions: [notify]"), "rules[0].name: required" },
        { "blank name", Playbook1("  - name: ' '\n    match: { sample: true }\n    actions: [notify]"), "rules[0].name: required" },
        { "name a list", Playbook1("  - name: [a]\n    match: { sample: true }\n    actions: [notify]"), "rules[0].name: expected a single value" },
        {
            "duplicate name",
            Playbook1("  - name: samples\n    match: { sample: true }\n    actions: [notify]\n  - name: samples\n    match: { severityBelow: 4 }\n    actions: [notify]"),
            "rules[1].name: 'samples' is used by an earlier rule"
        },
        {
            "default rule name reused",
            "version: 1\nrules:\n  - name: default\n    match: { sample: true }\n    actions: [notify]\n  - name: default\n    actions: [notify]\n",
            "rules[1].name: 'default' is used by an earlier rule"
        },
        {
            "unknown rule field",
            Playbook1("  - name: a\n    match: { sample: true }\n    actions: [notify]\n    severity: 5"),
            "rules[0].severity: unknown field (expected one of name, description, match, actions, mode, networkAcl, moreSevereOverridesRelease, evidenceFirstSeconds)"
        },
        {
            "unknown match field",
            Playbook1("  - name: a\n    match: { sample: true, severity: 5 }\n    actions: [notify]"),
            "rules[0].match.severity: unknown field (expected one of types, severityAtLeast, severityBelow, resourceRole, sample, sequence, accounts, instanceTags)"
        },
        { "empty match", Playbook1("  - name: a\n    match: {}\n    actions: [notify]"), "rules[0].match: is empty; leave 'match' out for a rule that matches everything" },
        { "match a list", Playbook1("  - name: a\n    match: [sample]\n    actions: [notify]"), "rules[0].match: expected a mapping of conditions" },
        {
            "match everything before the last rule",
            Playbook1("  - name: everything\n    actions: [isolate]"),
            "rules[0]: matches everything, so the rules after it would never apply; only the last rule may"
        },
        {
            "last rule with a match",
            "version: 1\nrules:\n  - name: samples\n    match: { sample: true }\n    actions: [notify]\n  - name: high\n    match: { severityAtLeast: 7 }\n    actions: [isolate]\n",
            "rules[1]: the last rule must have no 'match', so that every finding gets a decision"
        },
        {
            "only rule with a match",
            "version: 1\nrules:\n  - name: high\n    match: { severityAtLeast: 7 }\n    actions: [isolate]\n",
            "rules[0]: the last rule must have no 'match', so that every finding gets a decision"
        },
        { "missing actions", Playbook1("  - name: a\n    match: { sample: true }"), "rules[0].actions: expected a non-empty list of notify, isolate, snapshot, stop, revoke-sessions, collect" },
        { "empty actions", Playbook1("  - name: a\n    match: { sample: true }\n    actions: []"), "rules[0].actions: expected a non-empty list of notify, isolate, snapshot, stop, revoke-sessions, collect" },
        { "actions a scalar", Playbook1("  - name: a\n    match: { sample: true }\n    actions: isolate"), "rules[0].actions: expected a non-empty list of notify, isolate, snapshot, stop, revoke-sessions, collect" },
        { "release refused", Playbook1("  - name: a\n    match: { sample: true }\n    actions: [isolate, release]"), "rules[0].actions[1]: 'release' is not one of notify, isolate, snapshot, stop, revoke-sessions, collect" },
        { "unknown action", Playbook1("  - name: a\n    match: { sample: true }\n    actions: [terminate]"), "rules[0].actions[0]: 'terminate' is not one of notify, isolate, snapshot, stop, revoke-sessions, collect" },
        { "action in capitals", Playbook1("  - name: a\n    match: { sample: true }\n    actions: [Isolate]"), "rules[0].actions[0]: 'Isolate' is not one of notify, isolate, snapshot, stop, revoke-sessions, collect" },
        { "revoke-sessions without isolate", Playbook1("  - name: a\n    match: { sample: true }\n    actions: [snapshot, revoke-sessions]"), $"rules[0].actions: {ContainmentActionNames.Conflict([ContainmentAction.RevokeSessions])}" },
        { "action twice", Playbook1("  - name: a\n    match: { sample: true }\n    actions: [isolate, snapshot, isolate]"), "rules[0].actions[2]: 'isolate' is listed twice" },
        { "mode bogus", Playbook1("  - name: a\n    match: { sample: true }\n    actions: [isolate]\n    mode: bogus"), "rules[0].mode: 'bogus' is not off, dry-run or enforce" },
        { "severityAtLeast not a number", Match1("severityAtLeast: high"), "rules[0].match.severityAtLeast: 'high' is not a severity from 0 to 10 (GuardDuty's scale)" },
        { "severityAtLeast 11", Match1("severityAtLeast: 11"), "rules[0].match.severityAtLeast: '11' is not a severity from 0 to 10 (GuardDuty's scale)" },
        { "severityAtLeast -1", Match1("severityAtLeast: -1"), "rules[0].match.severityAtLeast: '-1' is not a severity from 0 to 10 (GuardDuty's scale)" },
        { "severityAtLeast NaN", Match1("severityAtLeast: NaN"), "rules[0].match.severityAtLeast: 'NaN' is not a severity from 0 to 10 (GuardDuty's scale)" },
        { "severityBelow NaN", Match1("severityBelow: NaN"), "rules[0].match.severityBelow: 'NaN' is not a severity from 0 to 10 (GuardDuty's scale)" },
        { "severityBelow infinite", Match1("severityBelow: Infinity"), "rules[0].match.severityBelow: 'Infinity' is not a severity from 0 to 10 (GuardDuty's scale)" },
        { "severityBelow 100", Match1("severityBelow: 100"), "rules[0].match.severityBelow: '100' is not a severity from 0 to 10 (GuardDuty's scale)" },
        { "severityAtLeast above severityBelow", Match1("severityAtLeast: 7\n      severityBelow: 4"), "rules[0].match: severityAtLeast 7 is not below severityBelow 4, so the rule can never match" },
        { "severityAtLeast equal to severityBelow", Match1("severityAtLeast: 5\n      severityBelow: 5"), "rules[0].match: severityAtLeast 5 is not below severityBelow 5, so the rule can never match" },
        { "resourceRole bogus", Match1("resourceRole: bogus"), "rules[0].match.resourceRole: 'bogus' is neither ACTOR nor TARGET" },
        { "sample bogus", Match1("sample: bogus"), "rules[0].match.sample: 'bogus' is neither true nor false" },
        { "account with 9 digits", Match1("accounts: ['123456789012', '123456789']"), "rules[0].match.accounts[1]: '123456789' is not a 12-digit AWS account id" },
        { "accounts a mapping", Match1("accounts: { a: b }"), "rules[0].match.accounts: expected a non-empty list of strings" },
        { "instanceTags a list", Match1("instanceTags: [Environment, prod]"), "rules[0].match.instanceTags: expected a mapping of tag key to value (globs allowed in values)" },
        { "instanceTags a scalar", Match1("instanceTags: prod"), "rules[0].match.instanceTags: expected a mapping of tag key to value (globs allowed in values)" },
        { "instanceTags empty", Match1("instanceTags: {}"), "rules[0].match.instanceTags: expected a mapping of tag key to value (globs allowed in values)" },
        { "instanceTags nested", Match1("instanceTags: { Environment: [prod, dev] }"), "rules[0].match.instanceTags: expected a mapping of tag key to value (globs allowed in values)" },
        { "types with an empty string", Match1("types: ['Backdoor:EC2/*', '']"), "rules[0].match.types[1]: must be a finding type or a glob of at most 512 characters" },
        { "types too long", Match1($"types: ['{new string('A', 513)}']"), "rules[0].match.types[0]: must be a finding type or a glob of at most 512 characters" },
        { "types empty list", Match1("types: []"), "rules[0].match.types: expected a non-empty list of strings" },
        { "networkAcl not a boolean", Playbook1("  - name: a\n    match: { sample: false }\n    actions: [isolate]\n    networkAcl: maybe"), "rules[0].networkAcl: 'maybe' is neither true nor false" },
        { "networkAcl without isolate", Playbook1("  - name: a\n    match: { sample: false }\n    actions: [snapshot]\n    networkAcl: false"), "rules[0].networkAcl: only means something for a rule whose actions include isolate" },
        { "evidenceFirstSeconds out of range", Playbook1("  - name: a\n    actions: [isolate, collect]\n    evidenceFirstSeconds: 900"), "rules[0].evidenceFirstSeconds: '900' is not a whole number of seconds from 1 to 300" },
        { "evidenceFirstSeconds without collect", Playbook1("  - name: a\n    actions: [isolate]\n    evidenceFirstSeconds: 30"), "rules[0].evidenceFirstSeconds: only means something for a rule whose actions include collect and isolate" },
    };

    [Theory]
    [MemberData(nameof(InvalidPlaybooks))]
    public void Parse_InvalidPlaybook_ReportsTheErrorWithItsPath(string name, string text, string expected)
    {
        var errors = ErrorsOf(text, name);

        Assert.Contains(expected, errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("- a\n")]
    [InlineData("version: 2\nrules:\n  - name: default\n    actions: [notify]\n")]
    [InlineData("version: 1\nrules:\n  - name: a\n    match: {}\n    actions: [notify]\n  - name: default\n    actions: [notify]\n")]
    [InlineData("version: 1\nrules:\n  - name: a\n    match: { sample: true }\n    actions: [release]\n  - name: default\n    actions: [notify]\n")]
    public void Parse_InvalidPlaybookWithOneProblem_ReportsExactlyOneError(string text)
    {
        Assert.Single(ErrorsOf(text, "one problem"));
    }

    [Fact]
    public void Parse_NotYaml_ReportsLineAndColumn()
    {
        var errors = ErrorsOf("version: 1\nrules: [\n  { name: a\n", "broken");

        var error = Assert.Single(errors);
        Assert.StartsWith("not valid YAML or JSON (line ", error, StringComparison.Ordinal);
        Assert.Matches(@"^not valid YAML or JSON \(line \d+, column \d+\): .+", error);
    }

    [Fact]
    public void Parse_NotJson_ReportsNotValidYamlOrJson()
    {
        var error = Assert.Single(ErrorsOf("{\"version\": 1, \"rules\": [", "broken.json"));

        Assert.StartsWith("not valid YAML or JSON (line ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKey_ReportsNotValidYaml()
    {
        var error = Assert.Single(ErrorsOf("version: 1\nversion: 1\nrules:\n  - name: default\n    actions: [notify]\n", "dup"));

        Assert.StartsWith("not valid YAML or JSON (line 2, column 1)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_VersionNotAScalar_ReportsVersionPathWithoutDollar()
    {
        var errors = ErrorsOf("version: [1]\nrules:\n  - name: default\n    actions: [notify]\n", "p");

        Assert.Contains("version: expected a single value", errors);
        Assert.All(errors, e => Assert.StartsWith("version: ", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_TooLong_RefusedBeforeParsing()
    {
        var text = ValidYaml + "\n" + new string('#', 70 * 1024 - ValidYaml.Length - 1);
        Assert.Equal(70 * 1024, text.Length);

        var e = Assert.Throws<PlaybookException>(() => PlaybookParser.Parse(text, "PLAYBOOK"));

        Assert.Equal([$"is {70 * 1024} characters long; at most {PlaybookParser.MaxLength} are accepted"], e.Errors);
        Assert.Equal("PLAYBOOK is not a valid playbook: is 71680 characters long; at most 65536 are accepted", e.Message);
    }

    [Fact]
    public void Parse_ExactlyMaxLength_IsAccepted()
    {
        var text = ValidYaml + "\n#" + new string(' ', PlaybookParser.MaxLength - ValidYaml.Length - 2);
        Assert.Equal(PlaybookParser.MaxLength, text.Length);

        Assert.Equal(3, PlaybookParser.Parse(text, "p").Rules.Count);
    }

    [Fact]
    public void Parse_TooManyRules_Refused()
    {
        var rules = string.Concat(Enumerable.Range(0, 200).Select(i => $"  - {{ name: r{i}, match: {{ sample: true }}, actions: [notify] }}\n"));

        var errors = ErrorsOf($"version: 1\nrules:\n{rules}  - name: default\n    actions: [notify]\n", "p");

        Assert.Equal(["rules: 201 rules; at most 200 are accepted"], errors);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllOfThem()
    {
        const string text = """
            version: 2
            extra: true
            rules:
              - name: first
                match:
                  severityAtLeast: high
                  resourceRole: bogus
                actions: [isolate, release]
                mode: sometimes
              - match: { accounts: ['123'] }
                actions: [snapshot, snapshot]
              - name: first
                match: { sample: maybe }
                actions: []
              - name: everything
                actions: [notify]
              - name: default
                actions: [notify]
            """;

        var e = Assert.Throws<PlaybookException>(() => PlaybookParser.Parse(text, "team.yaml"));

        Assert.True(e.Errors.Count > 1);
        Assert.Equal(
            [
                "extra: unknown field (expected one of version, rules)",
                "version: must be 1",
                "rules[0].match.severityAtLeast: 'high' is not a severity from 0 to 10 (GuardDuty's scale)",
                "rules[0].match.resourceRole: 'bogus' is neither ACTOR nor TARGET",
                "rules[0].actions[1]: 'release' is not one of notify, isolate, snapshot, stop, revoke-sessions, collect",
                "rules[0].mode: 'sometimes' is not off, dry-run or enforce",
                "rules[1].name: required",
                "rules[1].match.accounts[0]: '123' is not a 12-digit AWS account id",
                "rules[1].actions[1]: 'snapshot' is listed twice",
                "rules[2].match.sample: 'maybe' is neither true nor false",
                "rules[2].actions: expected a non-empty list of notify, isolate, snapshot, stop, revoke-sessions, collect",
                "rules[2].name: 'first' is used by an earlier rule",
                "rules[3]: matches everything, so the rules after it would never apply; only the last rule may",
            ],
            e.Errors);
        Assert.StartsWith("team.yaml is not a valid playbook: extra: unknown field", e.Message, StringComparison.Ordinal);
        Assert.Contains("; rules[3]: matches everything", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StructuralProblemsBesideFieldProblems_ReportsBothInOnePass()
    {
        const string text = """
            version: 1
            rules:
              - name: a
                actions: [isolate, release]
              - name: a
                match: { severityAtLeast: 11 }
                actions: [notify]
              - name: last
                match: { sample: bogus }
                actions: [notify]
            """;

        var errors = ErrorsOf(text, "p");

        Assert.Equal(
            [
                "rules[0].actions[1]: 'release' is not one of notify, isolate, snapshot, stop, revoke-sessions, collect",
                "rules[0]: matches everything, so the rules after it would never apply; only the last rule may",
                "rules[1].match.severityAtLeast: '11' is not a severity from 0 to 10 (GuardDuty's scale)",
                "rules[1].name: 'a' is used by an earlier rule",
                "rules[2].match.sample: 'bogus' is neither true nor false",
                "rules[2]: the last rule must have no 'match', so that every finding gets a decision",
            ],
            errors);
    }

    private static IReadOnlyList<string> ErrorsOf(string text, string name)
    {
        var e = Assert.Throws<PlaybookException>(() => PlaybookParser.Parse(text, $"playbook '{name}'"));
        Assert.NotEmpty(e.Errors);
        Assert.StartsWith($"playbook '{name}' is not a valid playbook: ", e.Message, StringComparison.Ordinal);
        return e.Errors;
    }

    /// <summary>A version-1 playbook with the given rules (indented as list entries under <c>rules:</c>) and a valid default rule after them.</summary>
    private static string Playbook1(string rules) => $"version: 1\nrules:\n{rules}\n  - name: default\n    actions: [notify]\n";

    /// <summary>A playbook whose first rule has the given match conditions (indented six spaces).</summary>
    private static string Match1(string conditions) => Playbook1($"  - name: a\n    match:\n      {conditions}\n    actions: [isolate]");
}
