using System.Text.Json.Nodes;
using ThreatResponse.Aws.Accounts;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// Each function's session in a member account (the member role, limited by the session policy the function passes at
/// AssumeRole) allows exactly its member-account calls: the same actions as the function's own role has for the services
/// it reaches in member accounts (which <see cref="RolePermissionTests"/> compare with the calls its handler makes, and
/// so does its scenario there for the session policy), within the member role, and within AWS's size limit.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class MemberSessionPolicyTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private const string Member = "111122223333";

    public static TheoryData<string, bool> FunctionsAndRevoke()
    {
        var data = new TheoryData<string, bool>();
        foreach (var function in MemberSessionPolicy.Functions)
        {
            data.Add(function, false);
            data.Add(function, true);
        }

        return data;
    }

    /// <summary>
    /// A call a function makes in a member account: through the member role's session. The playbook's Parameter Store read,
    /// the ledger, the notifications, the findings, the evidence bucket and STS itself are the security account's.
    /// </summary>
    internal static bool InMemberAccount(string action) =>
        action.Split(':')[0] is "ec2" or "autoscaling" or "elasticloadbalancing" or "iam" or "ssm" && action != "ssm:GetParameter";

    [Theory]
    [MemberData(nameof(FunctionsAndRevoke))]
    public async Task SessionPolicy_EachFunction_AllowsExactlyItsRolesMemberAccountActions(string function, bool revokeSessions)
    {
        // The revoking custom action is deployed only with EnableRevokeSessions.
        var conditions = revokeSessions || function == "IsolateAndRevokeSessionsAction" ? new HashSet<string>(StringComparer.Ordinal) { "RevokeSessionsEnabled" } : null;
        var role = (await SamTemplate.AllowedActionsAsync(function, conditions)).Where(InMemberAccount);

        var session = ActionsIn(MemberSessionPolicy.Document([function], revokeSessions, "aws"));

        Assert.Equal(role.Order(StringComparer.Ordinal), session.Order(StringComparer.Ordinal));
        Assert.Equal(MemberSessionPolicy.ActionsOf(function, revokeSessions).Order(StringComparer.Ordinal), session.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(FunctionsAndRevoke))]
    public async Task SessionPolicy_EachFunction_WithinTheMemberRoleAndAwsSizeLimit(string function, bool revokeSessions)
    {
        var member = await SamTemplate.ReadAsync("templates/member-role.yaml");
        var memberRole = SamTemplate.AllowedActions(member["Resources"]!["MemberRole"]!.AsObject(), new HashSet<string>(StringComparer.Ordinal) { "RevokeSessionsEnabled" });

        var document = MemberSessionPolicy.Document([function], revokeSessions, "aws");

        // A session policy can only narrow the role: an action the member role lacks would be a silent failure in AWS.
        Assert.Empty(ActionsIn(document).Except(memberRole).Order());

        // AssumeRole's Policy: at most 2,048 characters, from the space to \u00FF (plus tab, line feed, carriage return).
        Assert.InRange(document.Length, 1, 2048);
        Assert.All(document, c => Assert.InRange(c, ' ', '\u00FF'));
        Assert.Empty(BotocoreModel.Load("sts").Validate("AssumeRole", System.Text.Json.JsonSerializer.SerializeToElement(new { RoleArn = $"arn:aws:iam::{Member}:role/ThreatResponseMember", RoleSessionName = "ThreatResponse-x", Policy = document })));
    }

    [Fact]
    public void SessionPolicy_PassRole_OnlyToEc2_OnlyReleasePassesRolesOutsideThreatResponsesPath()
    {
        foreach (var function in MemberSessionPolicy.Functions)
        {
            var statements = JsonNode.Parse(MemberSessionPolicy.Document([function], true, "aws"))!["Statement"]!.AsArray();
            var passRole = statements.Where(s => Actions(s!).Contains("iam:PassRole")).ToList();
            var givesProfiles = MemberSessionPolicy.ActionsOf(function, true).Overlaps(["ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation"]);
            Assert.Equal(givesProfiles ? 1 : 0, passRole.Count);
            foreach (var statement in passRole)
            {
                Assert.Equal(["iam:PassRole"], Actions(statement!));
                Assert.Equal("ec2.amazonaws.com", statement!["Condition"]!["StringEquals"]!["iam:PassedToService"]!.GetValue<string>());
                Assert.Equal(function == "ReleaseInstanceAction" ? "*" : "arn:aws:iam::*:role/threat-response/*", statement["Resource"]!.GetValue<string>());
            }

            Assert.All(statements.Where(s => !passRole.Contains(s) && s!["Effect"]!.GetValue<string>() == "Allow"), s => Assert.Null(s!["Condition"]));
        }
    }

    [Fact]
    public void SessionPolicy_ModifyInstanceAttribute_DeniedForEveryAttributeButTheTwoThreatResponseSetsAndForUserData()
    {
        foreach (var function in MemberSessionPolicy.Functions)
        {
            var statements = JsonNode.Parse(MemberSessionPolicy.Document([function], true, "aws"))!["Statement"]!.AsArray();
            var denies = statements.Where(s => s!["Effect"]!.GetValue<string>() == "Deny").ToList();
            if (!MemberSessionPolicy.ActionsOf(function, true).Contains("ec2:ModifyInstanceAttribute"))
            {
                Assert.Empty(denies);
                continue;
            }

            Assert.All(denies, d => Assert.Equal(["ec2:ModifyInstanceAttribute"], Actions(d!)));
            var others = Assert.Single(denies, d => d!["Condition"]!["StringNotEqualsIgnoreCase"] is not null)!["Condition"]!;
            Assert.Equal("false", others["Null"]!["ec2:Attribute"]!.GetValue<string>());
            Assert.Equal(["disableApiTermination", "instanceInitiatedShutdownBehavior"], others["StringNotEqualsIgnoreCase"]!["ec2:Attribute"]!.AsArray().Select(a => a!.GetValue<string>()));
            var userData = Assert.Single(denies, d => d!["Condition"]!["StringNotEqualsIgnoreCase"] is null)!["Condition"]!;
            Assert.Equal("false", userData["Null"]!["ec2:Attribute/userData"]!.GetValue<string>());
        }

        // The attributes named are the ones the EC2 adapter changes (its requests, in EC2's model).
        var model = BotocoreModel.Load("ec2").InputOf("ModifyInstanceAttribute").Members;
        Assert.All(MemberSessionPolicy.ChangedAttributes, a => Assert.Contains(char.ToUpperInvariant(a[0]) + a[1..], model));
    }

    [Fact]
    public void SessionPolicy_NoFunctionCanRunCodeOnAnInstanceBeyondTheEvidenceDocument()
    {
        // User data runs at the next start: only the functions that set termination protection and the shutdown behaviour
        // may change attributes, and none can start an instance. Only collection runs a document.
        var modifies = MemberSessionPolicy.Functions.Where(f => MemberSessionPolicy.ActionsOf(f, true).Contains("ec2:ModifyInstanceAttribute"));
        Assert.Equal(["GuardDutyResponder", "IsolateAndRevokeSessionsAction", "IsolateInstanceAction", "ReleaseInstanceAction", "StopInstanceAction"], modifies.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(MemberSessionPolicy.Functions, f => MemberSessionPolicy.ActionsOf(f, true).Any(a => a is "ec2:StartInstances" or "ec2:RunInstances" or "ssm:CreateDocument" or "ssm:UpdateDocument"));
        Assert.Equal(["CollectEvidenceAction", "GuardDutyResponder"], MemberSessionPolicy.Functions.Where(f => MemberSessionPolicy.ActionsOf(f, true).Contains("ssm:SendCommand")).Order(StringComparer.Ordinal));
        Assert.Equal(["ec2:DeleteNetworkAclEntry", "ec2:DescribeIamInstanceProfileAssociations", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstances", "ec2:DescribeNetworkAcls"],
            MemberSessionPolicy.ActionsOf("InstanceTerminatedResponder", true).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SessionPolicy_UnknownFunction_RefusedWithTheKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => MemberSessionPolicy.ActionsOf("Anything", false));

        Assert.Contains("'Anything'", error.Message, StringComparison.Ordinal);
        Assert.Contains("SnapshotInstanceAction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuardDutyResponder_InstanceInAMemberAccount_AssumesTheMemberRoleWithItsSessionPolicy()
    {
        using var member = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var instance = await MemberAccountScene.LaunchAsync(member);
        var @event = JsonNode.Parse(FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", instance.InstanceId).ToJsonString().Replace("123456789012", Member, StringComparison.Ordinal))!;
        World.Set("REVOKE_SESSIONS", "false");

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, @event);

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Equal(["threat-response-isolation"], await member.GroupNamesAsync(instance.EniId));
        var assume = Assert.Single(World.AwsProxy.Calls, c => c.Operation == "AssumeRole");
        var policy = System.Web.HttpUtility.ParseQueryString(assume.Body)["Policy"];
        Assert.Equal(MemberSessionPolicy.Document(["GuardDutyResponder"], false, "aws"), policy);
    }

    /// <summary>The actions the document allows (its deny statements only narrow them).</summary>
    private static List<string> ActionsIn(string document) =>
        [.. JsonNode.Parse(document)!["Statement"]!.AsArray().Where(s => s!["Effect"]!.GetValue<string>() == "Allow").SelectMany(s => Actions(s!))];

    private static List<string> Actions(JsonNode statement) =>
        statement["Action"] is JsonArray list ? [.. list.Select(a => a!.GetValue<string>())] : [statement["Action"]!.GetValue<string>()];
}
