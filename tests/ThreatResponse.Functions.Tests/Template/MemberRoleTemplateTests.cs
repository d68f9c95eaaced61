using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>templates/member-role.yaml lets the functions do in a member account exactly what they do in their own.</summary>
public sealed class MemberRoleTemplateTests
{
    [Fact]
    public async Task MemberRole_Actions_EqualTheFunctionsEc2SsmAndPassRoleActions()
    {
        var member = await SamTemplate.ReadAsync("templates/member-role.yaml");
        var role = member["Resources"]!["MemberRole"]!.AsObject();
        var memberActions = SamTemplate.AllowedActions(role);

        var functionActions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var function in new[] { "GuardDutyResponder", "IsolateInstanceAction", "SnapshotInstanceAction", "StopInstanceAction", "ReleaseInstanceAction", "CollectEvidenceAction", "InstanceTerminatedResponder" })
        {
            // ssm: Run Command of the evidence document (the playbook's parameter is read in the security account only);
            // iam: passing roles back, the quarantine profile's check, and the deny on its role when a forensic window closes.
            functionActions.UnionWith((await SamTemplate.AllowedActionsAsync(function)).Where(a => a.StartsWith("ec2:", StringComparison.Ordinal) || a.StartsWith("autoscaling:", StringComparison.Ordinal) || a.StartsWith("elasticloadbalancing:", StringComparison.Ordinal) || a is "iam:PassRole" or "iam:GetInstanceProfile" or "iam:GetRolePolicy" or "iam:ListRolePolicies" or "iam:ListAttachedRolePolicies" or "iam:PutRolePolicy"
                || (a.StartsWith("ssm:", StringComparison.Ordinal) && a != "ssm:GetParameter")));
        }

        Assert.Equal(functionActions.Order(), memberActions.Order());
    }

    [Fact]
    public async Task MemberRole_TagsAndGroupRules_OnlyOnWhatThreatResponseOwns()
    {
        var member = await SamTemplate.ReadAsync("templates/member-role.yaml");
        // Conditional statements (revoke-sessions) are checked in both branches.
        var statements = member["Resources"]!["MemberRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray()
            .SelectMany(s => s is System.Text.Json.Nodes.JsonObject o && o["Fn::If"] is System.Text.Json.Nodes.JsonArray branches ? [branches[1]!, branches[2]!] : new[] { s! })
            .Where(s => s["Ref"] is null)
            .ToList();
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
    public async Task MemberEvents_Forwarding_ExactlyWhatTheTerminationRuleHearsToTheStacksBusOnly()
    {
        var forwarding = await SamTemplate.ReadAsync("templates/member-events.yaml");
        var rule = forwarding["Resources"]!["ForwardInstanceTerminated"]!["Properties"]!;
        var stackRule = (await SamTemplate.ResourcesAsync("AWS::Events::Rule"))["InstanceTerminatedResponderInstanceTerminated"]["Properties"]!;

        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(stackRule["EventPattern"], rule["EventPattern"]), $"{stackRule["EventPattern"]} vs {rule["EventPattern"]}");
        Assert.Empty(ThreatResponse.Testing.CloudFormation.EventPatternRules.Violations(rule["EventPattern"]!));
        var bus = "arn:${AWS::Partition}:events:${SecurityRegion}:${SecurityAccountId}:event-bus/default";
        Assert.Equal(bus, Assert.Single(rule["Targets"]!.AsArray())!["Arn"]!["Fn::Sub"]!.GetValue<string>());
        var role = forwarding["Resources"]!["ForwardingRole"]!.AsObject();
        Assert.Equal(["events:PutEvents"], SamTemplate.AllowedActions(role));
        Assert.Equal(bus, role["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]![0]!["Resource"]!["Fn::Sub"]!.GetValue<string>());

        // The stack's side: only the named organization may put events on its bus, and only when asked to.
        var template = await SamTemplate.TranslatedAsync();
        var policy = template["Resources"]!["OrganizationEventsPolicy"]!;
        Assert.Equal("HasEventSourceOrganization", policy["Condition"]!.GetValue<string>());
        Assert.Contains("aws:PrincipalOrgID", policy["Properties"]!["Statement"]!.ToJsonString(), StringComparison.Ordinal);
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
