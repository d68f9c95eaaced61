using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Credentials;

/// <summary>
/// The IAM operations <c>revoke-sessions</c> is made of, and the reads that verify the quarantine role before an instance
/// gets it (<see cref="Evidence.QuarantineRoleCheck"/>), in the instance's account (IAM is global: the instance's
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

    /// <summary>The names of the role's inline policies (<c>ListRolePolicies</c>); more than a page: every name IAM gave, and one more marker.</summary>
    Task<IReadOnlyList<string>> ListRolePolicyNamesAsync(InstanceReference instance, string roleName, CancellationToken cancellationToken);

    /// <summary>The ARNs of the managed policies attached to the role (<c>ListAttachedRolePolicies</c>).</summary>
    Task<IReadOnlyList<string>> ListAttachedRolePolicyArnsAsync(InstanceReference instance, string roleName, CancellationToken cancellationToken);

    /// <summary>Writes (creates or replaces) the role's inline policy.</summary>
    Task PutRolePolicyAsync(InstanceReference instance, string roleName, string policyName, string document, CancellationToken cancellationToken);

    /// <summary>Deletes the role's inline policy; false when there was none of that name.</summary>
    Task<bool> DeleteRolePolicyAsync(InstanceReference instance, string roleName, string policyName, CancellationToken cancellationToken);
}
