using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Credentials;

/// <summary>
/// <c>revoke-sessions</c>: an inline policy on the instance's role denying every session issued before now, so that
/// role credentials taken from the instance stop working at once — and, since the policy is on the role, so do the
/// current credentials of every other instance using it, until they refresh. The role is found from EC2's answer (the
/// profile associated now, or the one the ledger saved before isolation disassociated it) and IAM's, never from the
/// finding or a tag. ThreatResponse's own roles are never written on. Runs alongside isolation, which cuts the
/// instance off its credentials at the source (metadata endpoint off, profile disassociated).
/// </summary>
internal sealed class RevokeSessionsStep(IInstanceRolePolicies? roles, ContainmentOptions options, TimeProvider time)
{
    private const ContainmentAction Revoke = ContainmentAction.RevokeSessions;
    private const ContainmentAction Release = ContainmentAction.Release;
    private static readonly StepName Step = StepName.RevokeSessions;

    /// <summary>Release's step on the revocation: its detail begins "kept until" when the revocation outlives the release.</summary>
    private static readonly StepName RemoveStep = StepName.RemoveRevokedSessions;

    /// <param name="saved">The isolation's state in force: its profile stands in for a disassociated one, and its revocation is checked, not repeated.</param>
    /// <param name="savedIsAuthoritative">The state is the ledger's; one kept in tags names no profile worth acting on.</param>
    /// <returns>The revocation to keep with the state: written now, or the one already recorded; null when none.</returns>
    public async Task<RevokedSessions?> RunAsync(InstanceContext context, PreIsolationState? saved, bool savedIsAuthoritative, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var recorded = saved?.RevokedSessions;
        if (!options.RevokeSessions)
        {
            log.Skip(Revoke, Step, null, "not enabled in this deployment (template parameter EnableRevokeSessions, REVOKE_SESSIONS=true): no role policy written; credentials already issued stay valid until they expire");
            return recorded;
        }

        if (roles is null)
        {
            log.Fail(Revoke, Step, null, "no IAM client configured; no role policy written");
            return recorded;
        }

        var profileArn = context.Description.ProfileAssociation?.ProfileArn ?? (savedIsAuthoritative ? saved?.ProfileArn : null);
        if (profileArn is null)
        {
            log.Skip(Revoke, Step, null, saved?.ProfileArn is not null
                ? "skipped: no instance profile is associated now, and the one named in the state kept in the instance's tags is no authority (anyone who can tag the instance can write it)"
                : "skipped: no role - the instance has no instance profile, so it holds no role credentials to revoke");
            return recorded;
        }

        if (!TryProfileName(profileArn, context.Instance.Account, out var profileName))
        {
            log.Fail(Revoke, StepName.InstanceRole, profileArn, $"not an instance profile of account {context.Instance.Account}; no role policy written", "InvalidInstanceProfileArn");
            return recorded;
        }

        InstanceRole? role = null;
        var found = await log.RunAsync(Revoke, StepName.InstanceRole, profileArn, dryRun: false, async () =>
        {
            var held = await roles.FindProfileRolesAsync(context.Instance, profileName, cancellationToken);
            if (held.Count > 1)
            {
                throw new StepFailedException("SeveralRoles", $"the instance profile holds {held.Count} roles ({string.Join(", ", held.Select(r => r.Name))}); IAM allows one, so none is chosen");
            }

            role = held.Count == 1 ? held[0] : null;
            return role is null ? "the instance profile holds no role" : role.Arn;
        });
        if (!found)
        {
            return recorded;
        }

        if (role is null)
        {
            log.Skip(Revoke, Step, null, "skipped: no role - the instance profile holds none, so there are no role credentials to revoke");
            return recorded;
        }

        if (IsThreatResponseRole(role))
        {
            log.Skip(Revoke, Step, role.Name,
                $"refused: {role.Arn} is one of ThreatResponse's own roles (the member role {options.MemberRoleName}, or a function role under {ContainmentOptions.FunctionRolePathPrefix}); revoking its sessions would lock ThreatResponse out. Find out why an instance runs with it");
            return recorded;
        }

        // Now, not the response's start: a token fetched during the lookup is older than the write, and denied.
        var cutOff = SessionRevocationPolicy.CutOffAt(time.GetUtcNow());
        var policyName = SessionRevocationPolicy.PolicyName;
        var warning = $"WARNING: every instance using role {role.Name} loses the credentials it holds now until they refresh";
        if (context.DryRun)
        {
            log.Record(new StepResult(Revoke, Step, role.Name, StepOutcome.DryRun,
                $"would put inline policy {policyName} on {role.Arn} denying sessions issued before {SessionRevocationPolicy.Format(cutOff)} ({warning}); IAM has no DryRun, so the write was not checked", null, 0));
            return recorded;
        }

        var revoked = recorded;
        await log.RunAsync(Revoke, Step, role.Name, dryRun: false, async () =>
        {
            var current = await roles.GetRolePolicyAsync(context.Instance, role.Name, policyName, cancellationToken);
            var currentCutOff = current is null ? null : SessionRevocationPolicy.CutOffOf(current);
            if (recorded is not null && string.Equals(recorded.RoleName, role.Name, StringComparison.Ordinal) && currentCutOff >= recorded.CutOff)
            {
                // This isolation revoked them already (a repeated click re-checks): moving the cut-off would cut the
                // role's other instances off once more for nothing.
                return $"already in force: {policyName} on {role.Arn} denies sessions issued before {SessionRevocationPolicy.Format(currentCutOff.Value)}";
            }

            await roles.PutRolePolicyAsync(context.Instance, role.Name, policyName, SessionRevocationPolicy.Document(cutOff), cancellationToken);
            revoked = new RevokedSessions(role.Name, policyName, cutOff);
            var before = current is null ? ""
                : currentCutOff is { } earlier ? $" (its cut-off was {SessionRevocationPolicy.Format(earlier)}: moved to now)"
                : " (replacing a policy of that name ThreatResponse did not write)";
            return $"inline policy {policyName} on {role.Arn}{before}: sessions issued before {SessionRevocationPolicy.Format(cutOff)} are denied everything; {warning}; release removes it once credentials issued before then have expired, {SessionRevocationPolicy.Format(SessionRevocationPolicy.KeepUntil(cutOff, options.RevokedCredentialLifetime))}";
        });
        return revoked;
    }

    /// <summary>
    /// Release's part: deletes the policy the state records, if it is still the one written (same cut-off) and every
    /// credential it denies has expired (<see cref="SessionRevocationPolicy.KeepUntil"/>); before that it stays, and the
    /// step says until when — the next release (of a released instance too) removes it then. A later revocation of the
    /// same role (another response) moved the cut-off: the policy is then that response's, left for its release. A
    /// policy already gone is what release wants.
    /// </summary>
    public async Task<RevocationRemoval> RemoveAsync(InstanceContext context, PreIsolationState state, bool savedIsAuthoritative, CancellationToken cancellationToken)
    {
        if (state.RevokedSessions is not { } revoked || !state.RevocationPending)
        {
            return RevocationRemoval.Ended;
        }

        var log = context.Log;
        if (!savedIsAuthoritative)
        {
            // Role and policy names read from tags are whoever's wrote them: not acted on, and not echoed as a command.
            log.Skip(Release, RemoveStep, null,
                $"not removed on the word of a state kept in the instance's tags, which anyone who can tag the instance can write: check the inline policy {SessionRevocationPolicy.PolicyName} on the instance's role and delete it if the revocation should end");
            return RevocationRemoval.Kept;
        }

        var command = $"aws iam delete-role-policy --role-name {revoked.RoleName} --policy-name {revoked.PolicyName}";
        if (roles is null)
        {
            log.Fail(Release, RemoveStep, revoked.RoleName, $"no IAM client configured; the revocation stays: {command}");
            return RevocationRemoval.Failed;
        }

        var cutOffText = SessionRevocationPolicy.Format(revoked.CutOff);
        var keepUntil = SessionRevocationPolicy.KeepUntil(revoked.CutOff, options.RevokedCredentialLifetime);
        var keepUntilText = SessionRevocationPolicy.Format(keepUntil);
        var expired = time.GetUtcNow() >= keepUntil;
        if (context.DryRun)
        {
            log.Record(new StepResult(Release, RemoveStep, revoked.RoleName, StepOutcome.DryRun, expired
                ? $"would delete inline policy {revoked.PolicyName} (cut-off {cutOffText}) from {revoked.RoleName}; IAM has no DryRun, so it was not checked"
                : $"would keep inline policy {revoked.PolicyName} on {revoked.RoleName} until {keepUntilText}", null, 0));
            return RevocationRemoval.Kept;
        }

        // Read first either way: a policy gone or replaced since is no longer this state's to keep or to delete.
        var outcome = RevocationRemoval.Ended;
        var done = await log.RunAsync(Release, RemoveStep, revoked.RoleName, dryRun: false, StepLog.Noted("the revocation stays; release can be run again", async () =>
        {
            var current = await roles.GetRolePolicyAsync(context.Instance, revoked.RoleName, revoked.PolicyName, cancellationToken);
            if (current is null)
            {
                return $"already gone: {revoked.RoleName} has no inline policy {revoked.PolicyName} (removed by hand?)";
            }

            var cutOff = SessionRevocationPolicy.CutOffOf(current);
            if (cutOff != revoked.CutOff)
            {
                return cutOff is { } other
                    ? $"left in place: {revoked.PolicyName} on {revoked.RoleName} now denies sessions issued before {SessionRevocationPolicy.Format(other)}, not {cutOffText} - revoked again since, by another response, whose release removes it ({command})"
                    : $"left in place: {revoked.PolicyName} on {revoked.RoleName} is no longer the document ThreatResponse wrote; check it by hand ({command})";
            }

            if (!expired)
            {
                outcome = RevocationRemoval.Kept;
                return $"kept until {keepUntilText}: {revoked.PolicyName} on {revoked.RoleName} denies sessions issued before {cutOffText}, and credentials issued before then may stay valid up to {options.RevokedCredentialLifetime.TotalHours:0.##} h; deleting it now would make stolen ones work again. A release (of the released instance too) after {keepUntilText} removes it, or: {command}";
            }

            return await roles.DeleteRolePolicyAsync(context.Instance, revoked.RoleName, revoked.PolicyName, cancellationToken)
                ? $"deleted inline policy {revoked.PolicyName} from {revoked.RoleName}: sessions issued before {cutOffText} are no longer denied; credentials issued before then have expired ({keepUntilText} passed)"
                : $"already gone: {revoked.RoleName} has no inline policy {revoked.PolicyName}";
        }));

        return done ? outcome : RevocationRemoval.Failed;
    }

    private bool IsThreatResponseRole(InstanceRole role) =>
        string.Equals(role.Name, options.MemberRoleName, StringComparison.OrdinalIgnoreCase)
        || role.Path.StartsWith(ContainmentOptions.FunctionRolePathPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The profile's name from its ARN (<c>arn:PARTITION:iam::ACCOUNT:instance-profile/PATH/NAME</c>), when the ARN is
    /// one of the instance's own account: GetInstanceProfile takes the name, and looks in the caller's account.
    /// </summary>
    internal static bool TryProfileName(string profileArn, string account, out string name)
    {
        name = string.Empty;
        var parts = profileArn.Split(':', 6);
        if (parts is not [ "arn", _, "iam", "", var owner, var resource ] || owner != account || !resource.StartsWith("instance-profile/", StringComparison.Ordinal))
        {
            return false;
        }

        name = resource[(resource.LastIndexOf('/') + 1)..];
        return name.Length > 0;
    }
}

/// <summary>What became of a recorded revocation at release.</summary>
internal enum RevocationRemoval
{
    /// <summary>It is over: deleted now, or gone or replaced since; the state records it ended.</summary>
    Ended,

    /// <summary>It stays in force (credentials it denies may still be valid, a dry run, or a state kept in tags).</summary>
    Kept,

    /// <summary>It could not be checked or deleted; release can be run again.</summary>
    Failed,
}
