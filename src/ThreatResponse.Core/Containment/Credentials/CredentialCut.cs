using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Containment.Credentials;

/// <summary>
/// Isolation's cut of the instance's credentials: the metadata endpoint off (no role credentials can be fetched) and the
/// instance profile disassociated. A forensic window does it too when it cannot give the quarantine profile instead.
/// </summary>
internal sealed class CredentialCut(IInstanceContainment ec2)
{
    private const ContainmentAction Isolate = ContainmentAction.Isolate;

    public async Task RunAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var log = context.Log;
        Task metadata;
        if (description.MetadataOptions.IsEndpointDisabled)
        {
            log.Skip(Isolate, StepName.MetadataEndpoint, null, "already disabled");
            metadata = Task.CompletedTask;
        }
        else
        {
            metadata = log.RunAsync(Isolate, StepName.MetadataEndpoint, null, context.DryRun, async () =>
            {
                await ec2.SetMetadataOptionsAsync(context.Instance, description.MetadataOptions.WithEndpointDisabled(), context.DryRun, cancellationToken);
                return "disabled: the instance can no longer fetch role credentials";
            });
        }

        Task profile;
        if (description.ProfileAssociation is not { } association)
        {
            log.Skip(Isolate, StepName.InstanceProfile, null, "no instance profile associated");
            profile = Task.CompletedTask;
        }
        else if (context.DryRun)
        {
            log.Record(new StepResult(Isolate, StepName.InstanceProfile, null, StepOutcome.DryRun,
                $"would disassociate {association.ProfileArn}; EC2 has no DryRun for this call, so it was not checked", null, 0));
            profile = Task.CompletedTask;
        }
        else
        {
            profile = log.RunAsync(Isolate, StepName.InstanceProfile, null, dryRun: false, async () =>
            {
                await ec2.DisassociateInstanceProfileAsync(context.Instance, association.AssociationId, cancellationToken);
                return $"disassociated {association.ProfileArn} (credentials already issued stay valid until they expire)";
            });
        }

        await Task.WhenAll(metadata, profile);
    }
}
