using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Ec2;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>The in-memory EC2, Instances: the operations of that room.</summary>
internal sealed partial class FakeInstanceContainment
{
    public async Task<InstanceDescription?> DescribeInstanceAsync(InstanceReference instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var id = instance.InstanceId.Value;
        await CallAsync("DescribeInstance", id);
        lock (_lock)
        {
            if (!Instances.TryGetValue(id, out var i))
            {
                return null;
            }

            return new InstanceDescription(
                id,
                i.State,
                new Dictionary<string, string>(i.Tags, StringComparer.Ordinal),
                [.. i.NetworkInterfaces.Select(n => new NetworkInterfaceState(n.Id, n.VpcId, [.. n.GroupIds])
                {
                    SubnetId = n.SubnetId,
                    Ipv4Addresses = [.. n.Ipv4Addresses],
                    Tracking = n.Tracking,

                    // EC2 names the groups of an ENI; the quarantine groups here carry ThreatResponse's names.
                    GroupNames = [.. n.GroupIds.Select(g => Groups.Find(q => q.GroupId == g) is { } q ? "threat-response-" + q.Role.ToString().ToLowerInvariant() : g)],
                })],
                i.Metadata,
                i.ProfileArn is null ? null : new ProfileAssociation("iip-assoc-" + id[2..], i.ProfileArn),
                i.TerminationProtection,
                i.ShutdownBehavior,
                i.HibernationConfigured,
                [.. i.VolumeIds]);
        }
    }

    public Task SetTerminationProtectionAsync(InstanceReference instance, bool enabled, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetTerminationProtection", Id(instance), enabled ? "on" : "off", dryRun, () => Get(instance).TerminationProtection = enabled);

    public Task SetShutdownBehaviorAsync(InstanceReference instance, string behavior, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetShutdownBehavior", Id(instance), behavior, dryRun, () => Get(instance).ShutdownBehavior = behavior);

    public Task SetMetadataOptionsAsync(InstanceReference instance, MetadataOptionsState options, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetMetadataOptions", Id(instance), options.HttpEndpoint, dryRun, () => Get(instance).Metadata = options);

    public Task DisassociateInstanceProfileAsync(InstanceReference instance, string associationId, CancellationToken cancellationToken) =>
        ApplyAsync("DisassociateInstanceProfile", Id(instance), associationId, dryRun: false, () => Get(instance).ProfileArn = null);

    public Task ReplaceInstanceProfileAsync(InstanceReference instance, string associationId, string profileArn, CancellationToken cancellationToken) =>
        ApplyAsync("ReplaceInstanceProfile", Id(instance), profileArn, dryRun: false, () => Get(instance).ProfileArn = profileArn);

    public Task AssociateInstanceProfileAsync(InstanceReference instance, string profileArn, CancellationToken cancellationToken) =>
        ApplyAsync("AssociateInstanceProfile", Id(instance), profileArn, dryRun: false, () => Get(instance).ProfileArn = profileArn);

    public Task SetTagsAsync(InstanceReference instance, IReadOnlyDictionary<string, string> tags, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("SetTags", Id(instance), Keys(tags.Keys), dryRun, () =>
        {
            foreach (var (key, value) in tags)
            {
                Get(instance).Tags[key] = value;
            }
        });

    public Task RemoveTagsAsync(InstanceReference instance, IReadOnlyCollection<string> keys, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("RemoveTags", Id(instance), Keys(keys), dryRun, () =>
        {
            foreach (var key in keys)
            {
                Get(instance).Tags.Remove(key);
            }
        });

    public Task StopInstanceAsync(InstanceReference instance, bool hibernate, bool dryRun, CancellationToken cancellationToken) =>
        ApplyAsync("StopInstance", Id(instance), hibernate ? "hibernate" : "stop", dryRun, () => Get(instance).State = "stopping");
}
