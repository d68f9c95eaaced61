using System.Text.Json.Nodes;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// <c>revoke-sessions</c> is opt-in at deployment: off by default nothing may write a role policy; on, only this
/// account's roles (never users, no managed-policy attachment), never ThreatResponse's own roles — in the stack as
/// CloudFormation creates it for each setting, and in the member role.
/// </summary>
public sealed class RevokeSessionsTemplateTests
{
    private static readonly StackDeployment Default = SamConfig.Environments(Path.Combine(RepositoryRoot.Path, "samconfig.toml"))["default"];

    /// <summary>Every IAM action that can change or read a role's policies, besides <c>iam:PassRole</c>.</summary>
    private static readonly string[] RolePolicyActions = ["iam:GetInstanceProfile", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"];

    [Fact]
    public async Task Render_RevokeSessionsOff_NoRoleMayTouchRolePoliciesAndNoRevokeAction()
    {
        var stack = await RenderAsync(Default);
        var member = await RenderMemberRoleAsync(revokeSessions: false);

        foreach (var role in stack.OfType("AWS::IAM::Role").Concat(member.OfType("AWS::IAM::Role")))
        {
            Assert.Equal(["iam:PassRole"], Statements(role).Where(s => !IsQuarantineCheck(s)).SelectMany(Actions).Where(a => a.StartsWith("iam:", StringComparison.Ordinal)).Distinct().DefaultIfEmpty("iam:PassRole"));
        }

        Assert.DoesNotContain("IsolateAndRevokeSessionsAction", stack.Resources.Keys);
        Assert.Equal("false", stack.Resources["GuardDutyResponder"].Properties["Environment"]!["Variables"]!["REVOKE_SESSIONS"]!.GetValue<string>());
    }

    [Fact]
    public async Task Render_RevokeSessionsOn_RolePoliciesOnlyOnTheAccountsRolesAndNeverOnThreatResponsesOwn()
    {
        var stack = await RenderAsync(Default.With("EnableRevokeSessions", "true"));
        var account = stack.Deployment.Account;
        var writers = new SortedSet<string>(StringComparer.Ordinal);
        var removers = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var role in stack.OfType("AWS::IAM::Role"))
        {
            var statements = Statements(role).Where(s => !IsQuarantineCheck(s)).ToList();
            foreach (var statement in statements.Where(s => Effect(s) == "Allow"))
            {
                var iam = Actions(statement).Where(a => a.StartsWith("iam:", StringComparison.Ordinal)).ToList();
                Assert.All(iam, a => Assert.Contains(a, RolePolicyActions.Append("iam:PassRole")));
                if (iam.Any(a => a is "iam:GetRolePolicy" or "iam:PutRolePolicy" or "iam:DeleteRolePolicy"))
                {
                    Assert.Equal([$"arn:aws:iam::{account}:role/*"], Resources(statement));
                }

                if (iam.Contains("iam:GetInstanceProfile"))
                {
                    Assert.Equal([$"arn:aws:iam::{account}:instance-profile/*"], Resources(statement));
                }
            }

            var name = role.LogicalId[..^"Role".Length];
            var actions = statements.Where(s => Effect(s) == "Allow").SelectMany(Actions).ToHashSet(StringComparer.Ordinal);
            if (actions.Contains("iam:PutRolePolicy"))
            {
                writers.Add(name);
            }

            if (actions.Contains("iam:DeleteRolePolicy"))
            {
                removers.Add(name);
            }

            if (actions.Contains("iam:PutRolePolicy") || actions.Contains("iam:DeleteRolePolicy"))
            {
                var deny = Assert.Single(statements, s => Effect(s) == "Deny");
                Assert.Equal(["iam:DeleteRolePolicy", "iam:PutRolePolicy"], Actions(deny).Order(StringComparer.Ordinal));
                Assert.Equal([$"arn:aws:iam::{account}:role/threat-response/*/*", $"arn:aws:iam::{account}:role/ThreatResponseMember"], Resources(deny));
            }
        }

        Assert.Equal(["GuardDutyResponder", "IsolateAndRevokeSessionsAction"], writers);
        Assert.Equal(["ReleaseInstanceAction"], removers);
    }

    [Fact]
    public async Task Render_RevokeSessionsOn_CustomActionFollowsSecurityHubsRulesAndIsWiredLikeTheOthers()
    {
        var stack = await RenderAsync(Default.With("EnableRevokeSessions", "true").With("CustomActionIdPrefix", "TwelveChars1"));

        var target = stack.Resources["IsolateAndRevokeSessionsActionTarget"].Properties;
        Assert.Matches("^[A-Za-z0-9]{1,20}$", target["Id"]!.GetValue<string>());
        Assert.InRange(target["Name"]!.GetValue<string>().Length, 1, 20);
        Assert.False(string.IsNullOrWhiteSpace(target["Description"]?.GetValue<string>()));
        Assert.Equal(6, stack.OfType("AWS::SecurityHub::ActionTarget").Count());
        var arn = $"arn:aws:securityhub:{stack.Deployment.Region}:{stack.Deployment.Account}:action/custom/{target["Id"]}";

        var function = stack.Resources["IsolateAndRevokeSessionsAction"].Properties;
        Assert.Equal("ThreatResponse.Functions::ThreatResponse.Functions.IsolateAndRevokeSessionsAction::HandleAsync", function["Handler"]!.GetValue<string>());
        Assert.Equal(arn, function["Environment"]!["Variables"]!["ACTION_TARGET_ARN"]!.GetValue<string>());
        Assert.Equal("true", function["Environment"]!["Variables"]!["REVOKE_SESSIONS"]!.GetValue<string>());
        var rule = Assert.Single(stack.OfType("AWS::Events::Rule"), r => r.LogicalId.StartsWith("IsolateAndRevokeSessionsAction", StringComparison.Ordinal));
        Assert.Contains(arn, rule.Properties["EventPattern"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(EventPatternRules.Violations(rule.Properties["EventPattern"]));
        Assert.Contains(stack.OfType("AWS::Lambda::EventInvokeConfig"), c => c.Properties["FunctionName"]!.ToJsonString().Contains("IsolateAndRevokeSessionsAction", StringComparison.Ordinal));
        Assert.Contains("IsolateAndRevokeSessionsActionLogs", stack.Resources.Keys);
        var alarm = stack.Resources["FunctionErrorsAlarm"].Properties["Metrics"]!.AsArray();
        Assert.Equal("e1 + e2 + e3 + e4 + e5 + e6 + e7 + e8", alarm[^1]!["Expression"]!.GetValue<string>());
        Assert.Contains(arn, stack.Outputs["IsolateAndRevokeSessionsActionTargetArn"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(
            stack.Resources["IsolateInstanceActionRole"].Properties["Path"]!.GetValue<string>(),
            stack.Resources["IsolateAndRevokeSessionsActionRole"].Properties["Path"]!.GetValue<string>());

        // Without custom actions, no button even when revoking is allowed: the playbook may still ask for it.
        var noActions = await RenderAsync(Default.With("EnableRevokeSessions", "true").With("EnableCustomActions", "false"));
        Assert.Equal(["GuardDutyResponder", "InstanceTerminatedResponder"], noActions.OfType("AWS::Lambda::Function").Select(f => f.LogicalId));
    }

    [Fact]
    public async Task Render_RevokeSessionsOn_MemberRoleAllowsTheFunctionsRolePolicyActionsAndNeverOnItself()
    {
        var stack = await RenderAsync(Default.With("EnableRevokeSessions", "true"));
        var member = (await RenderMemberRoleAsync(revokeSessions: true)).Resources["MemberRole"];

        var functions = stack.OfType("AWS::IAM::Role").SelectMany(Statements).Where(s => Effect(s) == "Allow" && !IsQuarantineCheck(s)).SelectMany(Actions)
            .Where(a => RolePolicyActions.Contains(a)).ToHashSet(StringComparer.Ordinal);
        var statements = Statements(member).Where(s => !IsQuarantineCheck(s)).ToList();
        var allowed = statements.Where(s => Effect(s) == "Allow").SelectMany(Actions).Where(a => RolePolicyActions.Contains(a)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(functions.Order(StringComparer.Ordinal), allowed.Order(StringComparer.Ordinal));
        Assert.All(statements.Where(s => Effect(s) == "Allow" && Actions(s).Any(a => a.EndsWith("RolePolicy", StringComparison.Ordinal))),
            s => Assert.Equal(["arn:aws:iam::444455556666:role/*"], Resources(s)));
        var deny = Assert.Single(statements, s => Effect(s) == "Deny");
        Assert.Contains("arn:aws:iam::444455556666:role/ThreatResponseMember", Resources(deny));
        Assert.Equal(["iam:DeleteRolePolicy", "iam:PutRolePolicy"], Actions(deny).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The reads that verify the quarantine profile, and the deny a forensic window's close writes on its role
    /// (QuarantineProfileTests checks them): not revoke-sessions' business.
    /// </summary>
    private static bool IsQuarantineCheck(JsonNode statement) => statement["Sid"]?.GetValue<string>() is "VerifyQuarantineProfile" or "DenyForensicWindowCredentials";

    private static IEnumerable<JsonNode> Statements(RenderedResource role) =>
        role.Properties["Policies"]?.AsArray().SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray()).OfType<JsonNode>() ?? [];

    private static string Effect(JsonNode statement) => statement["Effect"]!.GetValue<string>();

    private static IEnumerable<string> Actions(JsonNode statement) =>
        statement["Action"] is JsonArray list ? list.Select(a => a!.GetValue<string>()) : [statement["Action"]!.GetValue<string>()];

    private static List<string> Resources(JsonNode statement) =>
        statement["Resource"] is JsonArray list ? [.. list.Select(a => a!.GetValue<string>())] : [statement["Resource"]!.GetValue<string>()];

    private static async Task<RenderedTemplate> RenderAsync(StackDeployment deployment) =>
        CloudFormationRenderer.Render(await SamTemplate.TranslatedAsync(), deployment);

    private static async Task<RenderedTemplate> RenderMemberRoleAsync(bool revokeSessions) =>
        CloudFormationRenderer.Render(
            await SamTemplate.ReadAsync("templates/member-role.yaml"),
            new StackDeployment("threat-response-member", new Dictionary<string, string> { ["SecurityAccountId"] = Default.Account, ["EnableRevokeSessions"] = revokeSessions ? "true" : "false" }, Account: "444455556666"));
}
