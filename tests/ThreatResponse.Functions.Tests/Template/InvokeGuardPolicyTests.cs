using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// templates/invoke-guard-scp.json: the service control policy that leaves invoking ThreatResponse's functions (and
/// changing who may) to the operators' and the deployment's roles. IAM's evaluation is not available here: the
/// policy's shape is checked, and its resource pattern matched against the names CloudFormation gives the functions.
/// </summary>
public sealed class InvokeGuardPolicyTests
{
    private const string Stack = "threat-response";
    private const string Account = "111122223333";
    private static readonly JsonNode Policy = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "templates", "invoke-guard-scp.json")))!;

    [Fact]
    public async Task Invoke_DeniedOnEveryFunctionOfTheStackToAllButTheOperatorRole()
    {
        var statement = Statement("OnlyOperatorsInvokeThreatResponse");
        Assert.Equal("Deny", statement["Effect"]!.GetValue<string>());
        Assert.Contains("lambda:InvokeFunction", Strings(statement["Action"]));
        var resource = statement["Resource"]!.GetValue<string>();
        Assert.Equal("arn:*:lambda:*:SECURITY_ACCOUNT_ID:function:SECURITY_STACK_NAME-*", resource);

        // CloudFormation names a function without FunctionName STACK-LOGICALID-SUFFIX: every function of the template is covered.
        var functions = await SamTemplate.ResourcesAsync("AWS::Lambda::Function");
        Assert.NotEmpty(functions);
        var pattern = Glob(resource.Replace("SECURITY_ACCOUNT_ID", Account, StringComparison.Ordinal).Replace("SECURITY_STACK_NAME", Stack, StringComparison.Ordinal));
        foreach (var (logicalId, function) in functions)
        {
            Assert.Null(function["Properties"]!["FunctionName"]);
            Assert.Matches(pattern, $"arn:aws:lambda:us-east-1:{Account}:function:{Stack}-{logicalId}-1A2B3C4D5E6F");
            Assert.Matches(pattern, $"arn:aws:lambda:eu-west-1:{Account}:function:{Stack}-{logicalId}-1A2B3C4D5E6F:$LATEST");
        }

        Assert.DoesNotMatch(pattern, $"arn:aws:lambda:us-east-1:{Account}:function:other-stack-Handler-1A2B3C");
        Assert.DoesNotMatch(pattern, $"arn:aws:lambda:us-east-1:444455556666:function:{Stack}-GuardDutyResponder-1A2B3C");

        // One named role of the security account, never a wildcard: a role anyone creates elsewhere is not exempt.
        var exempt = Assert.Single(Strings(statement["Condition"]!["ArnNotLike"]!["aws:PrincipalArn"]));
        Assert.Equal("arn:*:iam::SECURITY_ACCOUNT_ID:role/OPERATOR_ROLE_NAME", exempt);
    }

    [Fact]
    public void ChangingWhoMayInvoke_DeniedToAllButTheDeploymentRole()
    {
        var statement = Statement("OnlyTheDeploymentChangesWhoMayInvokeThreatResponse");
        Assert.Equal("Deny", statement["Effect"]!.GetValue<string>());
        var actions = Strings(statement["Action"]);
        Assert.Contains("lambda:AddPermission", actions);
        Assert.Contains("lambda:CreateFunctionUrlConfig", actions);
        Assert.Contains("lambda:UpdateFunctionCode", actions);
        Assert.Equal(Statement("OnlyOperatorsInvokeThreatResponse")["Resource"]!.GetValue<string>(), statement["Resource"]!.GetValue<string>());
        Assert.Equal("arn:*:iam::SECURITY_ACCOUNT_ID:role/DEPLOY_ROLE_NAME", Assert.Single(Strings(statement["Condition"]!["ArnNotLike"]!["aws:PrincipalArn"])));
    }

    private static JsonNode Statement(string sid) => Assert.Single(Policy["Statement"]!.AsArray(), s => s!["Sid"]!.GetValue<string>() == sid)!;

    private static List<string> Strings(JsonNode? node) => node is JsonArray array ? [.. array.Select(a => a!.GetValue<string>())] : [node!.GetValue<string>()];

    /// <summary>IAM's ARN wildcards: <c>*</c> any run of characters, <c>?</c> one.</summary>
    private static Regex Glob(string arnPattern) =>
        new("^" + Regex.Escape(arnPattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
}
