using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
namespace ThreatResponse.Core.Containment.Stop;

/// <summary>
/// Stops the instance, termination protection first; hibernates it when it was launched able to, keeping memory as
/// evidence. Off the isolation path: when EC2 request tokens are scarce it waits until every instance's isolation was served.
/// </summary>
internal sealed class StopStep(IInstanceContainment ec2)
{
    private const ContainmentAction Stop = ContainmentAction.Stop;

    private readonly IInstanceContainment _ec2 = ec2.WithPriority(CallPriority.Deferred);

    public async Task RunAsync(InstanceContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        if (context.Description.IsStoppedOrStopping)
        {
            log.Skip(Stop, StepName.Stop, null, $"already {context.Description.State}");
            return;
        }

        var waited = await context.YieldToContainmentAsync(StepName.Stop, cancellationToken);
        if (context.TerminationProtectionOn)
        {
            log.Skip(Stop, StepName.TerminationProtection, null, "already on");
        }
        else if (!await log.RunAsync(Stop, StepName.TerminationProtection, null, context.DryRun, async () =>
            {
                await _ec2.SetTerminationProtectionAsync(context.Instance, true, context.DryRun, cancellationToken);
                context.TerminationProtectionOn = !context.DryRun;
                return "on";
            }))
        {
            log.Skip(Stop, StepName.Stop, null, "not stopped: termination protection could not be turned on first");
            return;
        }

        var hibernate = context.Description.HibernationConfigured;
        await log.RunAsync(Stop, hibernate ? StepName.Hibernate : StepName.Stop, null, context.DryRun, async () =>
        {
            await _ec2.StopInstanceAsync(context.Instance, hibernate, context.DryRun, cancellationToken);
            return ContainmentFirstGate.Waited(hibernate ? "hibernating: memory is kept on the root volume" : "stopping", waited);
        });
    }
}
