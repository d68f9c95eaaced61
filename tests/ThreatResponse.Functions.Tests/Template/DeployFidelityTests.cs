using System.Text.Json;
using System.Text.Json.Nodes;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// template.yaml after the SAM translation, resolved as CloudFormation resolves it for each samconfig.toml
/// environment, checked against what the services enforce at deploy time and cfn-lint and moto do not: EventBridge's
/// operand rules, Security Hub's action-target id rules, a concurrency reservation the account may not afford, and the
/// member role's trust in exactly this stack's function roles.
/// </summary>
public sealed class DeployFidelityTests
{
    private static readonly IReadOnlyDictionary<string, StackDeployment> Environments =
        SamConfig.Environments(Path.Combine(RepositoryRoot.Path, "samconfig.toml"));

    private static readonly string[] Functions = ["GuardDutyResponder", "IsolateInstanceAction", "SnapshotInstanceAction", "StopInstanceAction", "ReleaseInstanceAction", "CollectEvidenceAction", "InstanceTerminatedResponder"];

    public static TheoryData<string> EnvironmentNames() => new(Environments.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void SamConfig_Environments_AreDefaultAndProd()
    {
        Assert.Equal(["default", "prod"], Environments.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(EnvironmentNames))]
    public async Task Render_Environment_EveryEventPatternIsAcceptedByEventBridge(string environment)
    {
        var stack = await RenderAsync(Environments[environment]);

        var rules = stack.OfType("AWS::Events::Rule").ToList();
        Assert.Equal(1 + 5 + 1, rules.Count);
        foreach (var rule in rules)
        {
            Assert.True(EventPatternRules.Violations(rule.Properties["EventPattern"]) is { Count: 0 } errors, $"{environment}: {rule.LogicalId}: {string.Join("; ", EventPatternRules.Violations(rule.Properties["EventPattern"]))}");
        }
    }

    [Theory]
    [MemberData(nameof(EnvironmentNames))]
    public async Task Render_Environment_GuardDutyThresholdReachesEventBridgeAsTheConfiguredNumber(string environment)
    {
        var deployment = Environments[environment];
        var stack = await RenderAsync(deployment);

        var pattern = Pattern(stack.Resources["GuardDutyFindingRule"]);
        var operand = pattern["detail"]!["severity"]![0]!["numeric"]![1]!;
        Assert.Equal(JsonValueKind.Number, operand.GetValueKind());
        var expected = deployment.ParameterOverrides.GetValueOrDefault("SeverityThreshold", "4");
        Assert.Equal(double.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), operand.GetValue<double>());
        Assert.Contains("-GuardDutyResponder-", stack.Resources["GuardDutyFindingRule"].Properties["Targets"]![0]!["Arn"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("04")]
    [InlineData("4.")]
    [InlineData("1e1")]
    [InlineData("0")]
    [InlineData("11")]
    [InlineData("4.55")]
    [InlineData("")]
    public async Task Render_SeverityThresholdThatIsNotAPlainNumberFrom1To10_IsRefusedByItsPattern(string threshold)
    {
        var deployment = Environments["default"].With("SeverityThreshold", threshold);

        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync(deployment));
        Assert.Contains("SeverityThreshold", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("8.5")]
    [InlineData("10")]
    public async Task Render_SeverityThresholdInRange_IsAValidNumericOperand(string threshold)
    {
        var stack = await RenderAsync(Environments["default"].With("SeverityThreshold", threshold));

        Assert.Empty(EventPatternRules.Violations(stack.Resources["GuardDutyFindingRule"].Properties["EventPattern"]));
        Assert.Equal(threshold, Pattern(stack.Resources["GuardDutyFindingRule"])["detail"]!["severity"]![0]!["numeric"]![1]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(EnvironmentNames))]
    public async Task Render_Environment_ActionTargetsFollowSecurityHubsRules(string environment)
    {
        var stack = await RenderAsync(Environments[environment]);

        var targets = stack.OfType("AWS::SecurityHub::ActionTarget").ToList();
        Assert.Equal(5, targets.Count);
        foreach (var target in targets)
        {
            var id = target.Properties["Id"]!.GetValue<string>();
            var name = target.Properties["Name"]!.GetValue<string>();
            Assert.Matches("^[A-Za-z0-9]{1,20}$", id);
            Assert.InRange(name.Length, 1, 20);
            Assert.False(string.IsNullOrWhiteSpace(target.Properties["Description"]?.GetValue<string>()), $"{target.LogicalId}: Description is required");
        }

        Assert.Equal(targets.Count, targets.Select(t => t.Properties["Id"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Render_SamconfigEnvironments_HaveDistinctActionIdsAndRolePaths()
    {
        var stacks = new List<RenderedTemplate>();
        foreach (var deployment in Environments.Values)
        {
            stacks.Add(await RenderAsync(deployment));
        }

        var ids = stacks.SelectMany(s => s.OfType("AWS::SecurityHub::ActionTarget").Select(t => t.Properties["Id"]!.GetValue<string>())).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());

        var paths = stacks.Select(s => s.FunctionRoles().Select(r => r.Properties["Path"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Single()).ToList();
        Assert.Equal(paths.Count, paths.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("TwelveChars1")]
    [InlineData("TR")]
    public async Task Render_CustomActionIdPrefixWithinLimit_GivesIdsOfAtMost20(string prefix)
    {
        var stack = await RenderAsync(Environments["default"].With("CustomActionIdPrefix", prefix));

        Assert.All(stack.OfType("AWS::SecurityHub::ActionTarget"), t => Assert.Matches("^[A-Za-z0-9]{1,20}$", t.Properties["Id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("Thirteen13Chr")]
    [InlineData("tr-prod")]
    [InlineData("")]
    public async Task Render_CustomActionIdPrefixBreakingTheIdRules_IsRefused(string prefix)
    {
        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync(Environments["default"].With("CustomActionIdPrefix", prefix)));
        Assert.Contains("CustomActionIdPrefix", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EnvironmentNames))]
    public async Task Render_Environment_ReservesConcurrencyOnlyWhenAsked(string environment)
    {
        var deployment = Environments[environment];
        var stack = await RenderAsync(deployment);

        foreach (var function in stack.OfType("AWS::Lambda::Function"))
        {
            var reserved = function.Properties["ReservedConcurrentExecutions"]?.ToString();
            Assert.Equal(function.LogicalId == "GuardDutyResponder" ? deployment.ParameterOverrides.GetValueOrDefault("ReservedConcurrency") : null, reserved);
        }

        var asked = await RenderAsync(deployment.With("ReservedConcurrency", "25"));
        Assert.Equal("25", asked.Resources["GuardDutyResponder"].Properties["ReservedConcurrentExecutions"]!.GetValue<string>());
    }

    [Fact]
    public async Task Render_CustomActionsDisabled_CreatesOnlyTheAutomaticResponseWithNothingDangling()
    {
        var stack = await RenderAsync(Environments["default"].With("EnableCustomActions", "false"));

        Assert.Empty(stack.OfType("AWS::SecurityHub::ActionTarget"));
        Assert.Equal(["GuardDutyResponder", "InstanceTerminatedResponder"], stack.OfType("AWS::Lambda::Function").Select(f => f.LogicalId));
        Assert.Equal(["GuardDutyFindingRule", "InstanceTerminatedResponderInstanceTerminated"], stack.OfType("AWS::Events::Rule").Select(r => r.LogicalId));
        var alarm = stack.Resources["FunctionErrorsAlarm"].Properties["Metrics"]!.AsArray();
        Assert.Equal(["e1", "e6", "errors"], alarm.Select(m => m!["Id"]!.GetValue<string>()));
        Assert.Equal("e1 + e6", alarm[2]!["Expression"]!.GetValue<string>());
        Assert.DoesNotContain(stack.Outputs.Keys, k => k.EndsWith("ActionTargetArn", StringComparison.Ordinal));
    }

    public static TheoryData<string> StackNames() => new(Environments.Values.Select(e => e.StackName).Append("threat-response-" + new string('x', 100)));

    [Theory]
    [MemberData(nameof(StackNames))]
    public async Task MemberRole_ForStack_TrustsEveryFunctionRoleOfThatStackAndNoOther(string stackName)
    {
        var deployment = Environments["default"] with { StackName = stackName };
        var stack = await RenderAsync(deployment);
        var trust = await MemberRoleTrustAsync(stackName, deployment.Account);

        Assert.Equal($"arn:aws:iam::{deployment.Account}:root", trust.Principal);
        var roles = stack.FunctionRoles().ToList();
        Assert.Equal(Functions.Order(StringComparer.Ordinal), roles.Select(r => r.LogicalId.Replace("Role", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        foreach (var role in roles)
        {
            var arn = RoleArn(stack, role);
            Assert.True(IamArnLike.Matches(trust.PrincipalArnPattern, arn), $"{stackName}: member role trust {trust.PrincipalArnPattern} does not admit {arn}");
        }

        var others = Environments.Values.Select(e => e.StackName).Append("threat-response-" + new string('x', 100)).Where(n => n != stackName);
        foreach (var other in others)
        {
            var otherStack = await RenderAsync(deployment with { StackName = other });
            foreach (var role in otherStack.FunctionRoles())
            {
                var arn = RoleArn(otherStack, role);
                Assert.False(IamArnLike.Matches(trust.PrincipalArnPattern, arn), $"{stackName}: member role trust {trust.PrincipalArnPattern} also admits {other}'s {arn}");
            }
        }
    }

    [Fact]
    public async Task MemberRole_Name_IsTheOneTheFunctionsAssume()
    {
        var stack = await RenderAsync(Environments["default"]);
        var member = await RenderMemberRoleAsync(stack.Deployment.Account, securityStackName: null);
        var memberRoleArn = $"arn:aws:iam::444455556666:role/{member.Resources["MemberRole"].Properties["RoleName"]!.GetValue<string>()}";

        foreach (var role in stack.FunctionRoles())
        {
            var assumable = role.Properties["Policies"]!.AsArray().SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray())
                .Where(s => s!["Action"]!.ToJsonString().Contains("sts:AssumeRole", StringComparison.Ordinal))
                .Select(s => s!["Resource"]!.GetValue<string>()).Single();
            Assert.True(IamArnLike.Matches(assumable, memberRoleArn), $"{role.LogicalId} may assume {assumable}, not {memberRoleArn}");
        }
    }

    private static async Task<RenderedTemplate> RenderAsync(StackDeployment deployment) =>
        CloudFormationRenderer.Render(await SamTemplate.TranslatedAsync(), deployment);

    private static JsonObject Pattern(RenderedResource rule) => rule.Properties["EventPattern"] is JsonValue text
        ? JsonNode.Parse(text.GetValue<string>())!.AsObject()
        : rule.Properties["EventPattern"]!.AsObject();

    /// <summary>The role ARN CloudFormation gives the function (its <c>Role</c> property), path included.</summary>
    private static string RoleArn(RenderedTemplate stack, RenderedResource role) =>
        stack.Resources[role.LogicalId[..^"Role".Length]].Properties["Role"]!.GetValue<string>();

    /// <summary>templates/member-role.yaml as deployed in member account 444455556666 for this security account (and stack, when given).</summary>
    private static async Task<RenderedTemplate> RenderMemberRoleAsync(string securityAccount, string? securityStackName)
    {
        var parameters = new Dictionary<string, string> { ["SecurityAccountId"] = securityAccount };
        if (securityStackName is not null)
        {
            parameters["SecurityStackName"] = securityStackName;
        }

        return CloudFormationRenderer.Render(await SamTemplate.ReadAsync("templates/member-role.yaml"), new StackDeployment("threat-response-member", parameters, Account: "444455556666"));
    }

    private static async Task<(string Principal, string PrincipalArnPattern)> MemberRoleTrustAsync(string securityStackName, string securityAccount)
    {
        var member = await RenderMemberRoleAsync(securityAccount, securityStackName);
        var statement = member.Resources["MemberRole"].Properties["AssumeRolePolicyDocument"]!["Statement"]!.AsArray().Single()!;
        Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
        return (statement["Principal"]!["AWS"]!.GetValue<string>(), statement["Condition"]!["ArnLike"]!["aws:PrincipalArn"]!.GetValue<string>());
    }
}
