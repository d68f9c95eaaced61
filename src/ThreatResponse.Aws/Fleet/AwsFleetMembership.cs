using Amazon.Runtime;
using ThreatResponse.Aws.Accounts;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Fleet;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Aws.Fleet;

/// <summary><see cref="IFleetMembership"/> on Auto Scaling and ELBv2, in the instance's account (its member role) and Region.</summary>
/// <param name="findingKey">The finding the calls are for (names the member role's session); null: an operator's.</param>
public sealed class AwsFleetMembership(SignedClientFactory clients, MemberAccountCredentials accounts, string? findingKey = null) : IFleetMembership
{
    public IFleetMembership ForFinding(string findingKey) => new AwsFleetMembership(clients, accounts, findingKey);

    public Task<AutoScalingMembership?> FindAutoScalingGroupAsync(InstanceReference instance, CancellationToken cancellationToken) =>
        AutoScaling(instance).DescribeAutoScalingInstanceAsync(Id(instance), cancellationToken);

    public async Task<IReadOnlyList<TargetGroupMembership>> FindTargetGroupsAsync(InstanceReference instance, CancellationToken cancellationToken)
    {
        var elb = LoadBalancing(instance);
        var arns = await elb.DescribeInstanceTargetGroupsAsync(cancellationToken);
        var ports = await Task.WhenAll(arns.Select(arn => elb.RegisteredPortsAsync(arn, Id(instance), cancellationToken)));
        return [.. arns.Zip(ports).SelectMany(p => p.Second.Select(port => new TargetGroupMembership(p.First, port)))];
    }

    public async Task<AutoScalingRemoval> TakeOutOfServiceAsync(InstanceReference instance, string groupName, CancellationToken cancellationToken)
    {
        var autoScaling = AutoScaling(instance);
        try
        {
            await autoScaling.EnterStandbyAsync(groupName, Id(instance), cancellationToken);
            return AutoScalingRemoval.Standby;
        }
        catch (AwsOperationException e) when (e.ErrorCode == "ValidationError")
        {
            // Standby is refused in some states (e.g. a warm pool, a pending lifecycle hook); detaching still keeps it alive.
            await autoScaling.DetachInstancesAsync(groupName, Id(instance), cancellationToken);
            return AutoScalingRemoval.Detached;
        }
    }

    public Task SetScaleInProtectionAsync(InstanceReference instance, string groupName, bool protect, CancellationToken cancellationToken) =>
        AutoScaling(instance).SetInstanceProtectionAsync(groupName, Id(instance), protect, cancellationToken);

    public Task DeregisterAsync(InstanceReference instance, IReadOnlyList<TargetGroupMembership> targetGroups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targetGroups);
        var elb = LoadBalancing(instance);
        return Task.WhenAll(targetGroups.Select(async t =>
        {
            try
            {
                await elb.DeregisterTargetAsync(t.TargetGroupArn, Id(instance), t.Port, cancellationToken);
            }
            catch (AwsOperationException e) when (e.ErrorCode == "InvalidTarget")
            {
                // Not registered (any more): what deregistering is for.
            }
        }));
    }

    public Task ReturnToServiceAsync(InstanceReference instance, string groupName, CancellationToken cancellationToken) =>
        AutoScaling(instance).ExitStandbyAsync(groupName, Id(instance), cancellationToken);

    public Task RegisterAsync(InstanceReference instance, IReadOnlyList<TargetGroupMembership> targetGroups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targetGroups);
        var elb = LoadBalancing(instance);
        return Task.WhenAll(targetGroups.Select(t => elb.RegisterTargetAsync(t.TargetGroupArn, Id(instance), t.Port, cancellationToken)));
    }

    private static string Id(InstanceReference instance) => instance.InstanceId.ToString();

    private AutoScalingClient AutoScaling(InstanceReference instance) =>
        new(clients.AutoScaling(instance.Account, instance.Region, Credentials(instance.Account)));

    private ElasticLoadBalancingClient LoadBalancing(InstanceReference instance) =>
        new(clients.ElasticLoadBalancing(instance.Account, instance.Region, Credentials(instance.Account)));

    private Func<CancellationToken, Task<AWSCredentials>> Credentials(string account) => _ => Task.FromResult(accounts.For(account, findingKey));
}
