namespace ThreatResponse.Testing;

/// <summary>
/// Creates IAM instance profiles in moto (AWSSDK.IdentityManagement is not served here).
/// </summary>
public static class MotoIam
{
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

    private static Task<string> CallAsync(MotoServerFixture moto, string form) => MotoForms.CallAsync(moto, "iam", "2010-05-08", form);
}
