namespace ThreatResponse.Testing;

/// <summary>
/// Creates IAM instance profiles in moto. AWSSDK.IdentityManagement is not served here, and moto routes a request by
/// its Authorization header's credential scope without checking the signature, so a plain form POST is enough for tests.
/// </summary>
public static class MotoIam
{
    private static readonly HttpClient Http = new();

    /// <summary>Creates a role and an instance profile holding it; returns the profile ARN.</summary>
    public static async Task<string> CreateInstanceProfileAsync(MotoServerFixture moto, string name)
    {
        ArgumentNullException.ThrowIfNull(moto);
        await CallAsync(moto, $"Action=CreateRole&RoleName={name}&AssumeRolePolicyDocument=%7B%7D");
        var profile = await CallAsync(moto, $"Action=CreateInstanceProfile&InstanceProfileName={name}");
        await CallAsync(moto, $"Action=AddRoleToInstanceProfile&InstanceProfileName={name}&RoleName={name}");
        var start = profile.IndexOf("<Arn>", StringComparison.Ordinal) + "<Arn>".Length;
        return profile[start..profile.IndexOf("</Arn>", start, StringComparison.Ordinal)];
    }

    private static async Task<string> CallAsync(MotoServerFixture moto, string form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, moto.Endpoint)
        {
            Content = new StringContent(form + "&Version=2010-05-08", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"moto IAM {form}: {(int)response.StatusCode} {body}");
    }
}
