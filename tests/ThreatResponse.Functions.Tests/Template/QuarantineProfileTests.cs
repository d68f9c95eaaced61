using System.Text.Json.Nodes;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// The quarantine instance profile an isolated instance holds while evidence is collected: only EC2 can take its role,
/// which grants the SSM agent's permissions and nothing else — a subset of AWS's managed AmazonSSMManagedInstanceCore
/// without its Parameter Store reads — the same in template.yaml and templates/member-role.yaml; and the responder may
/// pass that role and no other.
/// </summary>
public sealed class QuarantineProfileTests
{
    /// <summary>AmazonSSMManagedInstanceCore, policy version v2 (docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html).</summary>
    private static readonly HashSet<string> ManagedInstanceCore =
    [
        "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest",
        "ssm:GetParameter", "ssm:GetParameters", "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
        "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
    ];

    public static TheoryData<string> Templates() => ["template.yaml", "templates/member-role.yaml"];

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task QuarantineRole_Template_OnlyEc2TakesItAndItGrantsTheAgentsPermissionsWithoutParameterReads(string template)
    {
        var resources = (await SamTemplate.ReadAsync(template))["Resources"]!;
        var role = resources["QuarantineRole"]!.AsObject();
        var properties = role["Properties"]!;
        Assert.Equal("/threat-response/", properties["Path"]!.GetValue<string>());
        var trust = Assert.Single(properties["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("ec2.amazonaws.com", trust["Principal"]!["Service"]!.GetValue<string>());
        Assert.Null(properties["ManagedPolicyArns"]);

        var actions = SamTemplate.AllowedActions(role);
        Assert.Empty(actions.Except(ManagedInstanceCore).Order());
        Assert.DoesNotContain("ssm:GetParameter", actions);
        Assert.DoesNotContain("ssm:GetParameters", actions);
        Assert.Contains("ec2messages:GetMessages", actions);
        Assert.Contains("ssm:UpdateInstanceInformation", actions);

        var profile = resources["QuarantineInstanceProfile"]!["Properties"]!;
        Assert.Equal("QuarantineRole", Assert.Single(profile["Roles"]!.AsArray())!["Ref"]!.GetValue<string>());
        Assert.Equal("QuarantineInstanceProfileName", profile["InstanceProfileName"]!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public async Task QuarantineRole_BothTemplates_TheSamePolicy()
    {
        static async Task<string> PolicyAsync(string template) =>
            (await SamTemplate.ReadAsync(template))["Resources"]!["QuarantineRole"]!["Properties"]!["Policies"]!.ToJsonString();

        Assert.Equal(await PolicyAsync("template.yaml"), await PolicyAsync("templates/member-role.yaml"));
    }

    [Fact]
    public async Task GuardDutyResponder_PassRole_OnlyTheQuarantineRoleAndOnlyToEc2()
    {
        var role = (await SamTemplate.ResourcesAsync("AWS::IAM::Role"))["GuardDutyResponderRole"];
        var statements = role["Properties"]!["Policies"]!.AsArray()
            .SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(s => s is JsonObject o && o["Action"] is { } a && a.ToJsonString().Contains("iam:PassRole", StringComparison.Ordinal))
            .ToList();
        var passRole = Assert.Single(statements)!;
        Assert.Contains(":role/threat-response/", passRole["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("QuarantineInstanceProfileName", passRole["Resource"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("ec2.amazonaws.com", passRole["Condition"]!["StringEquals"]!["iam:PassedToService"]!.GetValue<string>());
    }

    /// <summary>The reads that verify the quarantine profile before an instance gets it: only those, only on the quarantine profile and role.</summary>
    [Theory]
    [InlineData("template.yaml", "GuardDutyResponderRole")]
    [InlineData("template.yaml", "CollectEvidenceActionRole")]
    [InlineData("templates/member-role.yaml", "MemberRole")]
    public async Task VerifyQuarantineProfile_Role_ReadsOnlyTheQuarantineProfileAndRole(string template, string role)
    {
        var statements = (await SamTemplate.ReadAsync(template))["Resources"]![role]!["Properties"]!["Policies"]!.AsArray()
            .SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(s => s?["Sid"]?.GetValue<string>() == "VerifyQuarantineProfile")
            .ToList();
        var statement = Assert.Single(statements)!;

        Assert.Equal(["iam:GetInstanceProfile", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"], statement["Action"]!.AsArray().Select(a => a!.GetValue<string>()).Order(StringComparer.Ordinal));
        var resources = statement["Resource"]!.ToJsonString();
        Assert.Contains(":instance-profile/${QuarantineInstanceProfileName}", resources, StringComparison.Ordinal);
        Assert.Contains(":role/threat-response/${QuarantineInstanceProfileName}", resources, StringComparison.Ordinal);
        Assert.Equal(2, statement["Resource"]!.AsArray().Count);
    }

    /// <summary>
    /// The deny a forensic window's close puts on the quarantine role (the credentials fetched through the window): only
    /// iam:PutRolePolicy, only on that role — and no deny keeps it from that role, while the functions' own roles (a
    /// path below /threat-response/) stay out of reach.
    /// </summary>
    [Theory]
    [InlineData("template.yaml", "GuardDutyResponderRole")]
    [InlineData("template.yaml", "CollectEvidenceActionRole")]
    [InlineData("templates/member-role.yaml", "MemberRole")]
    public async Task DenyForensicWindowCredentials_Role_WritesOnlyOnTheQuarantineRole(string template, string role)
    {
        var statements = (await SamTemplate.ReadAsync(template))["Resources"]![role]!["Properties"]!["Policies"]!.AsArray()
            .SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray())
            .ToList();
        var statement = Assert.Single(statements, s => s?["Sid"]?.GetValue<string>() == "DenyForensicWindowCredentials")!;

        Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
        Assert.Equal(["iam:PutRolePolicy"], statement["Action"]!.AsArray().Select(a => a!.GetValue<string>()));
        var resource = statement["Resource"]!.ToJsonString();
        Assert.Contains(":role/threat-response/${QuarantineInstanceProfileName}", resource, StringComparison.Ordinal);
        Assert.DoesNotContain("*", resource, StringComparison.Ordinal);
        Assert.DoesNotContain(",", resource, StringComparison.Ordinal);
        var denies = statements.Where(s => s?["Sid"]?.GetValue<string>() == "NeverOnThreatResponseRoles").Select(s => s!.ToJsonString()).ToList();
        Assert.All(denies, d => Assert.DoesNotContain("role/threat-response/*\"", d, StringComparison.Ordinal));
        Assert.All(denies, d => Assert.Contains("role/threat-response/*/*", d, StringComparison.Ordinal));
    }
}
