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
        foreach (var function in new[] { "GuardDutyResponder", "IsolateInstanceAction", "SnapshotInstanceAction", "StopInstanceAction", "ReleaseInstanceAction" })
        {
            functionActions.UnionWith((await SamTemplate.AllowedActionsAsync(function)).Where(a => a.StartsWith("ec2:", StringComparison.Ordinal) || a.StartsWith("autoscaling:", StringComparison.Ordinal) || a.StartsWith("elasticloadbalancing:", StringComparison.Ordinal) || a == "iam:PassRole"));
        }

        Assert.Equal(functionActions.Order(), memberActions.Order());
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
