using System.Text.Json.Nodes;
using ThreatResponse.Core.Containment;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// templates/protect-tags-scp.json: the service control policy that makes the exemption tag and the status tags
/// writable only by ThreatResponse's roles. IAM's evaluation is not available here; the policy's shape is checked.
/// </summary>
public sealed class ProtectTagsPolicyTests
{
    private static readonly JsonNode Policy = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "templates", "protect-tags-scp.json")))!;

    [Fact]
    public void Policy_DeniesWritingThreatResponseTagsToEveryoneButOurRoles()
    {
        var statement = Assert.Single(Policy["Statement"]!.AsArray())!;
        Assert.Equal("Deny", statement["Effect"]!.GetValue<string>());
        Assert.Equal(["ec2:CreateTags", "ec2:DeleteTags"], statement["Action"]!.AsArray().Select(a => a!.GetValue<string>()));
        var keys = statement["Condition"]!["ForAnyValue:StringLike"]!["aws:TagKeys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        Assert.Equal(["ThreatResponse:*"], keys);

        // The default exemption key falls under the protected prefix, so it cannot be set by the instance's own role.
        Assert.StartsWith("ThreatResponse:", new ContainmentOptions().ExemptTagKey, StringComparison.Ordinal);
        var exempt = statement["Condition"]!["ArnNotLike"]!["aws:PrincipalArn"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Contains("arn:*:iam::*:role/ThreatResponseMember", exempt);
        Assert.Contains("arn:*:iam::*:role/threat-response/SECURITY_STACK_NAME/*", exempt);
    }
}
