using Amazon.Runtime;
using ThreatResponse.Aws.Accounts;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Credentials;

namespace ThreatResponse.Aws.Iam;

/// <summary><see cref="IInstanceRolePolicies"/> on IAM, in the instance's account (its member role) and partition.</summary>
/// <param name="findingKey">The finding the calls are for (names the member role's session); null: an operator's.</param>
public sealed class IamInstanceRolePolicies(SignedClientFactory clients, MemberAccountCredentials accounts, string? findingKey = null) : IInstanceRolePolicies
{
    public IInstanceRolePolicies ForFinding(string findingKey) => new IamInstanceRolePolicies(clients, accounts, findingKey);

    public Task<IReadOnlyList<InstanceRole>> FindProfileRolesAsync(InstanceReference instance, string profileName, CancellationToken cancellationToken) =>
        Iam(instance).GetInstanceProfileRolesAsync(profileName, cancellationToken);

    public Task<string?> GetRolePolicyAsync(InstanceReference instance, string roleName, string policyName, CancellationToken cancellationToken) =>
        Iam(instance).GetRolePolicyAsync(roleName, policyName, cancellationToken);

    public Task<IReadOnlyList<string>> ListRolePolicyNamesAsync(InstanceReference instance, string roleName, CancellationToken cancellationToken) =>
        Iam(instance).ListRolePolicyNamesAsync(roleName, cancellationToken);

    public Task<IReadOnlyList<string>> ListAttachedRolePolicyArnsAsync(InstanceReference instance, string roleName, CancellationToken cancellationToken) =>
        Iam(instance).ListAttachedRolePolicyArnsAsync(roleName, cancellationToken);

    public Task PutRolePolicyAsync(InstanceReference instance, string roleName, string policyName, string document, CancellationToken cancellationToken) =>
        Iam(instance).PutRolePolicyAsync(roleName, policyName, document, cancellationToken);

    public Task<bool> DeleteRolePolicyAsync(InstanceReference instance, string roleName, string policyName, CancellationToken cancellationToken) =>
        Iam(instance).DeleteRolePolicyAsync(roleName, policyName, cancellationToken);

    private IamClient Iam(InstanceReference instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new(clients.Iam(instance.Account, instance.Region, Credentials(instance.Account)));
    }

    private Func<CancellationToken, Task<AWSCredentials>> Credentials(string account) => _ => Task.FromResult(accounts.For(account, findingKey));
}
