using ThreatResponse.Core.Settings;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ThreatResponse.Core.Containment;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// templates/protect-tags-scp.json: the service control policy that makes the exemption tag and the status tags
/// writable only by ThreatResponse's roles, and those roles changeable only by the stacks that deploy them — so that the
/// exception for our roles cannot be matched by a role someone else creates or rewrites on the same name or path. IAM's
/// evaluation is not available here: the policy is checked as IAM JSON (SCP size, actions that exist in botocore's
/// models, condition operators and keys), and its Deny statements are evaluated for requests by IAM's documented
/// matching (<c>ArnLike</c> per ARN part, <c>StringLike</c> with <c>*</c>, <c>ForAnyValue</c> over the request's tag keys).
/// </summary>
public sealed partial class ProtectTagsPolicyTests
{
    private const string Security = "111122223333";
    private const string Member = "444455556666";
    private const string Stack = "threat-response";
    private const string Deployer = "ThreatResponseDeployer";

    private static readonly string Text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "templates", "protect-tags-scp.json"));

    /// <summary>The policy as attached: its placeholders replaced as docs/security-model.md says.</summary>
    private static readonly JsonNode Policy = JsonNode.Parse(Text
        .Replace("SECURITY_ACCOUNT_ID", Security, StringComparison.Ordinal)
        .Replace("SECURITY_STACK_NAME", Stack, StringComparison.Ordinal)
        .Replace("SECURITY_STACK_DEPLOYER", Deployer, StringComparison.Ordinal))!;

    private static string Role(string account, string pathAndName) => $"arn:aws:iam::{account}:role/{pathAndName}";

    private static string FunctionRole => Role(Security, $"threat-response/{Stack}/{Stack}-GuardDutyResponderRole-ABC123");

    [Fact]
    public void Policy_IsAnScpWithinSizeWhoseActionsExistAndWhosePlaceholdersAreAllNamed()
    {
        // SCPs: at most 5,120 characters (AWS Organizations quotas); Organizations counts the document as stored, whitespace included.
        Assert.True(Text.Length <= 5120, $"{Text.Length} characters: over the SCP limit of 5,120");
        Assert.Equal("2012-10-17", Policy["Version"]!.GetValue<string>());
        Assert.Equal(["SECURITY_ACCOUNT_ID", "SECURITY_STACK_DEPLOYER", "SECURITY_STACK_NAME"], Placeholder().Matches(Text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal));

        var models = new Dictionary<string, BotocoreModel>(StringComparer.Ordinal);
        foreach (var statement in Statements())
        {
            Assert.Equal("Deny", statement["Effect"]!.GetValue<string>());
            Assert.Matches("^[A-Za-z0-9]+$", statement["Sid"]!.GetValue<string>());
            Assert.Equal(["Action", "Condition", "Effect", "Resource", "Sid"], statement.Select(p => p.Key).Union(["Condition"]).Order(StringComparer.Ordinal));
            foreach (var action in Strings(statement["Action"]))
            {
                var (service, operation) = (action.Split(':')[0], action.Split(':')[1]);
                var model = models.TryGetValue(service, out var known) ? known : models[service] = BotocoreModel.Load(service);
                var exists = true;
                try
                {
                    model.InputOf(operation);
                }
                catch (KeyNotFoundException)
                {
                    exists = false;
                }

                Assert.True(exists, $"{action}: no such operation in botocore's {service} model");
            }

            foreach (var (op, keys) in statement["Condition"]?.AsObject() ?? [])
            {
                Assert.Contains(op, new[] { "ForAnyValue:StringLike", "ArnNotLike" });
                Assert.All(keys!.AsObject(), k => Assert.Contains(k.Key, new[] { "aws:TagKeys", "aws:PrincipalArn" }));
            }
        }
    }

    /// <summary>The exemption key is under the protected prefix wherever it can be set: the code's default, the code's check, the template's pattern.</summary>
    [Fact]
    public async Task ExemptionKey_ForcedUnderTheProtectedPrefixInCodeAndTemplate()
    {
        var keys = Strings(Statement("OnlyThreatResponseWritesItsTags")["Condition"]!["ForAnyValue:StringLike"]!["aws:TagKeys"]);
        Assert.Equal([ContainmentOptions.ProtectedTagPrefix + "*"], keys);
        Assert.StartsWith(ContainmentOptions.ProtectedTagPrefix, new ContainmentOptions().ExemptTagKey, StringComparison.Ordinal);

        var parameter = (await SamTemplate.ReadAsync("template.yaml"))["Parameters"]!["ExemptTagKey"]!;
        var pattern = parameter["AllowedPattern"]!.GetValue<string>();
        // CloudFormation matches the whole value (Java regular expressions, which these constructs share with .NET's).
        bool Admits(string value) => Regex.IsMatch(value, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1));
        Assert.True(Admits(parameter["Default"]!.GetValue<string>()));
        Assert.True(Admits("ThreatResponse:Exempt-Prod/2"));
        Assert.False(Admits("Exempt"));
        Assert.False(Admits("threatresponse:Exempt"));
        Assert.False(Admits("ThreatResponse:"));
        Assert.False(Admits("ThreatResponse:" + new string('x', 114)));
        foreach (var value in new[] { "Exempt", "ThreatResponse:" })
        {
            Assert.Throws<InvalidSettingsException>(() => DeploymentSettings.Read(n => n == "EXEMPT_TAG_KEY" ? value : null));
        }
    }

    [Theory]
    // The instance's own role, a member account's admin: no ThreatResponse tag, on create (RunInstances' tags need ec2:CreateTags too) or after.
    [InlineData("ec2:CreateTags", "ThreatResponse:Exempt", Member, "app-server", true)]
    [InlineData("ec2:DeleteTags", "ThreatResponse:Status", Member, "Admin", true)]
    // A role a member account creates on the functions' path, or a security-account look-alike outside it: not ours.
    [InlineData("ec2:CreateTags", "ThreatResponse:Exempt", Member, "threat-response/threat-response/evil", true)]
    [InlineData("ec2:CreateTags", "ThreatResponse:Exempt", Security, "threat-response/other-stack/x", true)]
    // Our roles: the member role, the functions' roles of this stack in the security account.
    [InlineData("ec2:CreateTags", "ThreatResponse:Status", Member, "ThreatResponseMember", false)]
    [InlineData("ec2:CreateTags", "ThreatResponse:Status", Security, "threat-response/threat-response/threat-response-IsolateInstanceActionRole-X", false)]
    // Other tags: not this policy's business.
    [InlineData("ec2:CreateTags", "Name", Member, "app-server", false)]
    public void Tags_OnlyOurRolesWriteThreatResponseTags(string action, string tagKey, string account, string role, bool denied)
    {
        Assert.Equal(denied, Denied(action, $"arn:aws:ec2:us-east-1:{Member}:instance/i-0a1b2c3d4e5f60718", Role(account, role), [tagKey, "Owner"]));
    }

    /// <summary>
    /// The exception for our roles holds only while nobody else can make a role that matches it: our roles' names and
    /// path can be created or changed only by the StackSet's execution role (the member role, the quarantine role) and
    /// by the deployer of the security stack (the functions' roles), and the StackSet's execution roles by nobody.
    /// </summary>
    [Theory]
    [InlineData("iam:CreateRole", Member, "ThreatResponseMember", Member, "Admin", true)] // after deleting ours, or where it was never deployed
    [InlineData("iam:UpdateAssumeRolePolicy", Member, "ThreatResponseMember", Member, "Admin", true)]
    [InlineData("iam:PutRolePolicy", Member, "ThreatResponseMember", Member, "Admin", true)]
    [InlineData("iam:AttachRolePolicy", Member, "threat-response/ThreatResponse-Quarantine", Member, "Admin", true)]
    [InlineData("iam:CreateRole", Member, "threat-response/threat-response/evil", Member, "Admin", true)]
    [InlineData("iam:CreateRole", Security, "threat-response/threat-response/evil", Security, "Admin", true)]
    [InlineData("iam:DeleteRole", Member, "ThreatResponseMember", Member, "Admin", true)]
    // The StackSet deploys and updates the member role stack; the deployer the security stack.
    [InlineData("iam:CreateRole", Member, "ThreatResponseMember", Member, "stacksets-exec-0123456789abcdef", false)]
    [InlineData("iam:PutRolePolicy", Member, "threat-response/ThreatResponse-Quarantine", Member, "AWSCloudFormationStackSetExecutionRole", false)]
    [InlineData("iam:CreateRole", Security, "threat-response/threat-response/threat-response-GuardDutyResponderRole-X", Security, Deployer, false)]
    // A role someone creates under the StackSet's execution role names, or a changed trust in them: nobody.
    [InlineData("iam:CreateRole", Member, "stacksets-exec-evil", Member, "Admin", true)]
    [InlineData("iam:UpdateAssumeRolePolicy", Member, "AWSCloudFormationStackSetExecutionRole", Member, "Admin", true)]
    [InlineData("iam:UpdateAssumeRolePolicy", Member, "stacksets-exec-0123456789abcdef", Member, "stacksets-exec-0123456789abcdef", true)]
    // The deployer's own name in a member account is not the deployer.
    [InlineData("iam:PutRolePolicy", Member, "ThreatResponseMember", Member, Deployer, true)]
    // Other roles: not this policy's business.
    [InlineData("iam:CreateRole", Member, "app-server", Member, "Admin", false)]
    public void Roles_OurRolesAndTheStackSetsRolesChangeOnlyThroughTheirStacks(string action, string roleAccount, string role, string callerAccount, string caller, bool denied)
    {
        Assert.Equal(denied, Denied(action, Role(roleAccount, role), Role(callerAccount, caller), []));
    }

    /// <summary>Whether any Deny statement applies to the request (SCPs only deny here; the rest is the account's own policies).</summary>
    private static bool Denied(string action, string resource, string principalArn, IReadOnlyList<string> tagKeys) =>
        Statements().Any(s =>
            Strings(s["Action"]).Contains(action)
            && Strings(s["Resource"]).Any(r => r == "*" || IamArnLike.Matches(r, resource))
            && (s["Condition"]?.AsObject() ?? []).All(c => c.Key switch
            {
                "ForAnyValue:StringLike" => tagKeys.Any(k => Strings(c.Value!["aws:TagKeys"]).Any(p => StringLike(p, k))),
                "ArnNotLike" => !Strings(c.Value!["aws:PrincipalArn"]).Any(p => IamArnLike.Matches(p, principalArn)),
                _ => throw new InvalidOperationException($"{c.Key}: not evaluated here"),
            }));

    private static bool StringLike(string pattern, string value) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.Singleline, TimeSpan.FromSeconds(1));

    private static IEnumerable<JsonObject> Statements() => Policy["Statement"]!.AsArray().Select(s => s!.AsObject());

    private static JsonObject Statement(string sid) => Statements().Single(s => s["Sid"]!.GetValue<string>() == sid);

    private static List<string> Strings(JsonNode? node) => node switch
    {
        null => [],
        JsonArray list => [.. list.Select(n => n!.GetValue<string>())],
        _ => [node.GetValue<string>()],
    };

    [GeneratedRegex("[A-Z][A-Z_]{8,}[A-Z]")]
    private static partial Regex Placeholder();
}
