using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Release;

/// <summary>
/// Release's instance profile: the saved one associated again, or the quarantine profile an interrupted collection left
/// replaced by it (or removed). From a tag-kept state no profile is restored: anyone who can tag could have named it.
/// </summary>
internal sealed class ProfileRestore(IInstanceContainment ec2, Evidence.EvidenceOptions evidence)
{
    private const ContainmentAction Release = ContainmentAction.Release;

    public Task<bool> RestoreAsync(InstanceContext context, PreIsolationState state, bool trusted, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var current = context.Description.ProfileAssociation;
        if (current is not null && IsQuarantineProfile(context, current.ProfileArn))
        {
            return ReplaceQuarantineProfileAsync(context, current, trusted ? state.ProfileArn : null, cancellationToken);
        }

        if (state.ProfileArn is null)
        {
            log.Skip(Release, StepName.RestoreInstanceProfile, null, "none was associated before isolation");
            return Task.FromResult(true);
        }

        if (!trusted && current is null)
        {
            // A forged state tag must not hand the instance any role of the account (the member role may pass any).
            log.Skip(Release, StepName.RestoreInstanceProfile, null,
                $"not restored from a state kept in tags, which anyone who can tag the instance can write; if {state.ProfileArn} is right: aws ec2 associate-iam-instance-profile --instance-id {context.Instance.InstanceId} --iam-instance-profile Arn={state.ProfileArn}");
            return Task.FromResult(true);
        }

        if (current is not null)
        {
            log.Skip(Release, StepName.RestoreInstanceProfile, null, current.ProfileArn == state.ProfileArn
                ? "already associated"
                : $"{current.ProfileArn} is associated now; not replaced with {state.ProfileArn}");
            return Task.FromResult(true);
        }

        if (context.DryRun)
        {
            log.Record(new StepResult(Release, StepName.RestoreInstanceProfile, null, StepOutcome.DryRun,
                $"would associate {state.ProfileArn}; EC2 has no DryRun for this call, so it was not checked", null, 0));
            return Task.FromResult(true);
        }

        return log.RunAsync(Release, StepName.RestoreInstanceProfile, null, dryRun: false, async () =>
        {
            await ec2.AssociateInstanceProfileAsync(context.Instance, state.ProfileArn, cancellationToken);
            return $"associated {state.ProfileArn}";
        });
    }

    private bool IsQuarantineProfile(InstanceContext context, string profileArn) =>
        profileArn == evidence.QuarantineProfileArn(context.Instance);

    /// <summary>An interrupted collection left the quarantine profile: the saved one takes its place, or none.</summary>
    private Task<bool> ReplaceQuarantineProfileAsync(InstanceContext context, ProfileAssociation quarantine, string? saved, CancellationToken cancellationToken)
    {
        if (context.DryRun)
        {
            context.Log.Record(new StepResult(Release, StepName.RestoreInstanceProfile, null, StepOutcome.DryRun,
                $"would {(saved is null ? "remove" : $"replace with {saved}")} the quarantine profile {quarantine.ProfileArn}; EC2 has no DryRun for this call, so it was not checked", null, 0));
            return Task.FromResult(true);
        }

        return context.Log.RunAsync(Release, StepName.RestoreInstanceProfile, null, dryRun: false, async () =>
        {
            if (saved is null)
            {
                await ec2.DisassociateInstanceProfileAsync(context.Instance, quarantine.AssociationId, cancellationToken);
                return $"removed the quarantine profile {quarantine.ProfileArn} an interrupted collection left; none to restore";
            }

            await ec2.ReplaceInstanceProfileAsync(context.Instance, quarantine.AssociationId, saved, cancellationToken);
            return $"the quarantine profile {quarantine.ProfileArn} an interrupted collection left replaced by {saved}";
        });
    }
}
