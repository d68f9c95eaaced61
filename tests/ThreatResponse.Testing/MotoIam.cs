using System.Xml.Linq;

namespace ThreatResponse.Testing;

/// <summary>
/// IAM set-up and read-back in the test emulator, with plain form requests (AWSSDK.IdentityManagement is not served
/// here). moto routes a request by its credential scope and keeps accounts apart by access key: pass an assumed role's
/// access key id to act in that role's account.
/// </summary>
public static class MotoIam
{
    private static readonly HttpClient Http = new();

    /// <summary>A role at <paramref name="rolePath"/> in an instance profile of the same name; returns the profile ARN.</summary>
    public static async Task<string> CreateInstanceProfileAsync(MotoServerFixture moto, string roleName, string rolePath = "/", string accessKeyId = "testing")
    {
        await CallAsync(moto, accessKeyId, "CreateRole", ("RoleName", roleName), ("Path", rolePath), ("AssumeRolePolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"""));
        var profile = await CallAsync(moto, accessKeyId, "CreateInstanceProfile", ("InstanceProfileName", roleName));
        await CallAsync(moto, accessKeyId, "AddRoleToInstanceProfile", ("InstanceProfileName", roleName), ("RoleName", roleName));
        return profile.Descendants().First(e => e.Name.LocalName == "Arn").Value;
    }

    /// <summary>An instance profile holding no role; returns its ARN.</summary>
    public static async Task<string> CreateEmptyInstanceProfileAsync(MotoServerFixture moto, string name) =>
        (await CallAsync(moto, "testing", "CreateInstanceProfile", ("InstanceProfileName", name))).Descendants().First(e => e.Name.LocalName == "Arn").Value;

    public static Task PutRolePolicyAsync(MotoServerFixture moto, string roleName, string policyName, string document, string accessKeyId = "testing") =>
        CallAsync(moto, accessKeyId, "PutRolePolicy", ("RoleName", roleName), ("PolicyName", policyName), ("PolicyDocument", document));

    public static Task DeleteRolePolicyAsync(MotoServerFixture moto, string roleName, string policyName) =>
        CallAsync(moto, "testing", "DeleteRolePolicy", ("RoleName", roleName), ("PolicyName", policyName));

    /// <summary>The inline policy's document (decoded as IAM encodes it); null when the role has none of that name.</summary>
    public static async Task<string?> GetRolePolicyAsync(MotoServerFixture moto, string roleName, string policyName, string accessKeyId = "testing")
    {
        var names = await ListRolePoliciesAsync(moto, roleName, accessKeyId);
        if (!names.Contains(policyName))
        {
            return null;
        }

        var document = (await CallAsync(moto, accessKeyId, "GetRolePolicy", ("RoleName", roleName), ("PolicyName", policyName)))
            .Descendants().First(e => e.Name.LocalName == "PolicyDocument").Value;
        return document.TrimStart().StartsWith('{') ? document : Uri.UnescapeDataString(document);
    }

    public static async Task<IReadOnlyList<string>> ListRolePoliciesAsync(MotoServerFixture moto, string roleName, string accessKeyId = "testing") =>
        [.. (await CallAsync(moto, accessKeyId, "ListRolePolicies", ("RoleName", roleName)))
            .Descendants().Where(e => e.Name.LocalName == "PolicyNames").SelectMany(e => e.Elements()).Select(e => e.Value)];

    /// <summary>A customer managed policy; returns its ARN.</summary>
    public static async Task<string> CreatePolicyAsync(MotoServerFixture moto, string name, string document, string accessKeyId = "testing") =>
        (await CallAsync(moto, accessKeyId, "CreatePolicy", ("PolicyName", name), ("PolicyDocument", document))).Descendants().First(e => e.Name.LocalName == "Arn").Value;

    public static Task AttachRolePolicyAsync(MotoServerFixture moto, string roleName, string policyArn, string accessKeyId = "testing") =>
        CallAsync(moto, accessKeyId, "AttachRolePolicy", ("RoleName", roleName), ("PolicyArn", policyArn));

    private static async Task<XDocument> CallAsync(MotoServerFixture moto, string accessKeyId, string action, params (string Key, string Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(moto);
        var form = string.Join('&', new[] { ("Action", action), ("Version", "2010-05-08") }.Concat(parameters).Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, moto.Endpoint)
        {
            Content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={accessKeyId}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? XDocument.Parse(body) : throw new InvalidOperationException($"emulator iam {action}: {(int)response.StatusCode} {body}");
    }
}
