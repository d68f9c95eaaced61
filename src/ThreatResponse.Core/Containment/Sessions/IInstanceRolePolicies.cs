using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Sessions;

/// <summary>
/// The IAM operations <c>revoke-sessions</c> is made of, in the instance's account (IAM is global: the instance's
/// Region only names the partition). Failures surface as <see cref="AwsOperationException"/>. IAM has no DryRun.
/// </summary>
public interface IInstanceRolePolicies
{
    /// <summary>The same operations, attributed to <paramref name="findingKey"/> (the member role's session is named after it).</summary>
    IInstanceRolePolicies ForFinding(string findingKey);

    /// <summary>The roles of the instance profile named by <paramref name="profileName"/>: empty when it holds none (IAM allows at most one).</summary>
    Task<IReadOnlyList<InstanceRole>> FindProfileRolesAsync(InstanceReference instance, string profileName, CancellationToken cancellationToken);

    /// <summary>The inline policy's document as JSON text; null when the role has no inline policy of that name.</summary>
    Task<string?> GetRolePolicyAsync(InstanceReference instance, string roleName, string policyName, CancellationToken cancellationToken);

    /// <summary>Writes (creates or replaces) the role's inline policy.</summary>
    Task PutRolePolicyAsync(InstanceReference instance, string roleName, string policyName, string document, CancellationToken cancellationToken);

    /// <summary>Deletes the role's inline policy; false when there was none of that name.</summary>
    Task<bool> DeleteRolePolicyAsync(InstanceReference instance, string roleName, string policyName, CancellationToken cancellationToken);
}
