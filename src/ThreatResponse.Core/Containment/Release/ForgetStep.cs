using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Credentials;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
using ThreatResponse.Core.Containment.NetworkAcls;

namespace ThreatResponse.Core.Containment.Release;

/// <summary>Release of an instance that is terminated or gone: what its isolation left that outlives it goes.</summary>
internal sealed class ForgetStep(IInstanceContainment ec2, IIsolationStateStore? stateStore, ContainmentOptions options)
{
    private const ContainmentAction Release = ContainmentAction.Release;
    private readonly TimeSpan _revokedCredentialLifetime = options.RevokedCredentialLifetime;

    /// <summary>
    /// For an instance that is terminated or gone, with its state in the ledger: removes the network ACL entries its
    /// isolation added (its private addresses will be reused), and marks the saved state released. Nothing else can be restored.
    /// </summary>
    public async Task ForgetAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var keeper = new IsolationStateKeeper(ec2, stateStore, context);
        PreIsolationState? state;
        try
        {
            state = await keeper.LoadAsync(cancellationToken);
        }
        catch (Exception e) when (e is AwsOperationException or FormatException)
        {
            log.Fail(Release, StepName.LoadState, null, $"the saved state cannot be read: {e.Message}", (e as AwsOperationException)?.ErrorCode ?? "InvalidSavedState");
            return;
        }

        if (state is null or { IsReleased: true })
        {
            log.Skip(Release, StepName.Forget, null, $"instance is {context.Description.State} and the {keeper.Where} hold no state for it (or it was released): nothing to remove");
            return;
        }

        log.Record(new StepResult(Release, StepName.LoadState, null, StepOutcome.Succeeded, $"{keeper.Where}: saved {state.SavedAt:u} for finding {state.FindingId}", null, 0));
        var removed = await new NetworkAclRemoval(ec2).RemoveAsync(context, state.AclEntries ?? [], cancellationToken);
        if (!removed)
        {
            log.Skip(Release, StepName.Forget, null, "kept the saved state so the entries can be removed by running release again");
            return;
        }

        await log.RunAsync(Release, StepName.Forget, null, context.DryRun, async () =>
        {
            await keeper.MarkReleasedAsync(state with { ReleasedAt = context.Now }, cancellationToken);
            // The revocation stays: the instance's stolen credentials may still be unexpired, and it denies only sessions
            // issued before its cut-off, so it costs the role's other instances nothing once they have refreshed.
            var revocation = state.RevokedSessions is { } r && state.RevocationPending
                ? $"; the revocation of role {r.RoleName}'s sessions stays, at least until {SessionRevocationPolicy.Format(SessionRevocationPolicy.KeepUntil(r.CutOff, _revokedCredentialLifetime))} when every credential it denies has expired; a release after that removes it"
                : "";
            return $"instance is {context.Description.State}: nothing else to restore; saved state marked released, kept for the record ({state.AclEntries?.Count ?? 0} network ACL entr(ies) were its own){revocation}";
        });
    }
}
