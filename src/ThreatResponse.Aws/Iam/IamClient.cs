using System.Xml;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Credentials;

namespace ThreatResponse.Aws.Iam;

/// <summary>
/// The IAM operations <c>revoke-sessions</c> and the quarantine role's check use (query protocol, <c>2010-05-08</c>), on <see cref="AwsSignedHttpClient"/>:
/// AWSSDK.IdentityManagement is not available here. The one file to change for it.
/// </summary>
public sealed class IamClient(AwsSignedHttpClient client)
{
    private const string Version = "2010-05-08";

    /// <summary>IAM's error code for a profile, role or policy that does not exist.</summary>
    public const string NoSuchEntity = "NoSuchEntity";

    /// <summary>The roles the instance profile holds.</summary>
    /// <exception cref="AwsOperationException"><see cref="NoSuchEntity"/> when there is no such profile.</exception>
    public async Task<IReadOnlyList<InstanceRole>> GetInstanceProfileRolesAsync(string profileName, CancellationToken cancellationToken)
    {
        var xml = await QueryProtocol.CallAsync(client, "GetInstanceProfile", Version, [("InstanceProfileName", profileName)], cancellationToken);
        return [.. QueryProtocol.Members(xml, "Roles").Select(member => new InstanceRole(
            Child(member, "RoleName") ?? throw new AwsOperationException("GetInstanceProfile", "MalformedResponse", "a role without RoleName"),
            Child(member, "Path") ?? "/",
            Child(member, "Arn") ?? throw new AwsOperationException("GetInstanceProfile", "MalformedResponse", "a role without Arn")))];
    }

    /// <summary>The inline policy's document as JSON; null when the role has none of that name.</summary>
    public async Task<string?> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        XmlDocument xml;
        try
        {
            xml = await QueryProtocol.CallAsync(client, "GetRolePolicy", Version, [("RoleName", roleName), ("PolicyName", policyName)], cancellationToken);
        }
        catch (AwsOperationException e) when (e.ErrorCode == NoSuchEntity)
        {
            return null;
        }

        var document = QueryProtocol.Text(xml, "PolicyDocument")
            ?? throw new AwsOperationException("GetRolePolicy", "MalformedResponse", "no PolicyDocument");

        // IAM returns the document URL-encoded (RFC 3986); an endpoint that returns it as it is, is read as it is.
        return document.TrimStart().StartsWith('{') ? document : Uri.UnescapeDataString(document);
    }

    /// <summary>The role's inline policy names; a truncated answer adds "(more)", which no policy name can be.</summary>
    public async Task<IReadOnlyList<string>> ListRolePolicyNamesAsync(string roleName, CancellationToken cancellationToken)
    {
        var xml = await QueryProtocol.CallAsync(client, "ListRolePolicies", Version, [("RoleName", roleName), ("MaxItems", "100")], cancellationToken);
        var names = QueryProtocol.Members(xml, "PolicyNames").Select(m => m.InnerText).ToList();
        return QueryProtocol.Text(xml, "IsTruncated") == "true" ? [.. names, "(more)"] : names;
    }

    /// <summary>The managed policies attached to the role; a truncated answer adds "(more)".</summary>
    public async Task<IReadOnlyList<string>> ListAttachedRolePolicyArnsAsync(string roleName, CancellationToken cancellationToken)
    {
        var xml = await QueryProtocol.CallAsync(client, "ListAttachedRolePolicies", Version, [("RoleName", roleName), ("MaxItems", "100")], cancellationToken);
        var arns = QueryProtocol.Members(xml, "AttachedPolicies").Select(m => Child(m, "PolicyArn") ?? "(no arn)").ToList();
        return QueryProtocol.Text(xml, "IsTruncated") == "true" ? [.. arns, "(more)"] : arns;
    }

    public Task PutRolePolicyAsync(string roleName, string policyName, string document, CancellationToken cancellationToken) =>
        QueryProtocol.CallAsync(client, "PutRolePolicy", Version, [("RoleName", roleName), ("PolicyName", policyName), ("PolicyDocument", document)], cancellationToken);

    /// <summary>Deletes the inline policy; false when the role had none of that name.</summary>
    public async Task<bool> DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            await QueryProtocol.CallAsync(client, "DeleteRolePolicy", Version, [("RoleName", roleName), ("PolicyName", policyName)], cancellationToken);
            return true;
        }
        catch (AwsOperationException e) when (e.ErrorCode == NoSuchEntity)
        {
            return false;
        }
    }

    /// <summary>A direct child's text: a role's <c>Arn</c>, not its permissions boundary's.</summary>
    private static string? Child(XmlNode node, string name) => node.SelectSingleNode($"*[local-name()='{name}']")?.InnerText;
}
