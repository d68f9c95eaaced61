using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>templates/member-role.yaml lets the functions do in a member account exactly what they do in their own.</summary>
public sealed class MemberRoleTemplateTests
{
    [Fact]
    public async Task MemberRole_Actions_EqualTheFunctionsEc2AndPassRoleActions()
    {
        var member = await SamTemplate.ReadAsync("templates/member-role.yaml");
        var role = member["Resources"]!["MemberRole"]!.AsObject();
        var memberActions = SamTemplate.AllowedActions(role);

        var functionActions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var function in new[] { "GuardDutyResponder", "IsolateInstanceAction", "SnapshotInstanceAction", "StopInstanceAction", "ReleaseInstanceAction", "InstanceTerminatedResponder" })
        {
            functionActions.UnionWith((await SamTemplate.AllowedActionsAsync(function)).Where(a => a.StartsWith("ec2:", StringComparison.Ordinal) || a.StartsWith("autoscaling:", StringComparison.Ordinal) || a.StartsWith("elasticloadbalancing:", StringComparison.Ordinal) || a == "iam:PassRole"));
        }

        Assert.Equal(functionActions.Order(), memberActions.Order());
    }

    [Fact]
    public async Task MemberRole_TagsAndGroupRules_OnlyOnWhatThreatResponseOwns()
    {
        var member = await SamTemplate.ReadAsync("templates/member-role.yaml");
        var statements = member["Resources"]!["MemberRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!).ToList();
        static IEnumerable<string> Actions(System.Text.Json.Nodes.JsonNode statement) =>
            statement["Action"] is System.Text.Json.Nodes.JsonArray list ? list.Select(a => a!.GetValue<string>()) : [statement["Action"]!.GetValue<string>()];

        // Every statement that may write tags says which keys (or that only CreateSnapshots may): a forged exemption
        // or status tag cannot be written through this role.
        foreach (var statement in statements.Where(s => Actions(s).Any(a => a is "ec2:CreateTags" or "ec2:DeleteTags")))
        {
            var condition = statement["Condition"]!.ToJsonString();
            Assert.True(condition.Contains("\"aws:TagKeys\":[\"ThreatResponse:*\"", StringComparison.Ordinal) || condition.Contains("\"ec2:CreateAction\":\"CreateSnapshots\"", StringComparison.Ordinal), $"{statement["Sid"]}: {condition}");
            Assert.NotEqual("*", statement["Resource"]!.ToJsonString().Trim('"'));
        }

        foreach (var statement in statements.Where(s => Actions(s).Any(a => a.StartsWith("ec2:AuthorizeSecurityGroup", StringComparison.Ordinal) || a.StartsWith("ec2:RevokeSecurityGroup", StringComparison.Ordinal))))
        {
            Assert.Contains("aws:ResourceTag/ThreatResponse:Role", statement["Condition"]!.ToJsonString(), StringComparison.Ordinal);
        }

        var passRole = Assert.Single(statements, s => Actions(s).Contains("iam:PassRole"));
        Assert.Contains("\"iam:PassedToService\":\"ec2.amazonaws.com\"", passRole["Condition"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemberRole_Trust_OnlyTheSecurityStacksRolesInTheSecurityAccount()
    {
        var member = await SamTemplate.ReadAsync("templates/member-role.yaml");
        var trust = member["Resources"]!["MemberRole"]!["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!.ToJsonString();

        Assert.Contains("arn:${AWS::Partition}:iam::${SecurityAccountId}:root", trust, StringComparison.Ordinal);
        Assert.Contains("aws:PrincipalArn", trust, StringComparison.Ordinal);
        Assert.Contains("role/threat-response/${SecurityStackName}/*", trust, StringComparison.Ordinal);
        Assert.Contains("sts:ExternalId", trust, StringComparison.Ordinal);
    }
}
