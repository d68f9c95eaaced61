using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>
/// Reads a GuardDuty attack sequence (<c>resource.resourceType</c> "AttackSequence"): the instances are not in
/// <c>resource</c> but among the sequence's resources (<c>service.detection.sequence.resources[]</c>, GuardDuty's
/// <c>ResourceV2</c>): each <c>EC2_INSTANCE</c> by its <c>uid</c>, and the <c>ec2InstanceUids</c> of the groups that
/// hold instances (Auto Scaling groups, launch templates, VPCs, images, stacks, instance profiles), each resource with
/// its own account and Region.
/// </summary>
internal static class AttackSequenceReader
{
    /// <summary>GuardDuty's bounds (botocore's guardduty model): 400 resources, 100 signals, 25 instance ids per group.</summary>
    private const int MaxResources = 400;
    private const int MaxSignals = 100;
    private const int MaxInstanceUidsPerGroup = 25;

    /// <summary>The <c>ResourceData</c> members that list instances by id.</summary>
    private static readonly string[] InstanceGroups =
        ["autoscalingAutoScalingGroup", "ec2LaunchTemplate", "ec2Vpc", "ec2Image", "cloudformationStack", "iamInstanceProfile"];

    public static (AttackSequence Sequence, InstanceReference[] Instances) Read(JsonObjectReader? service, string account, string region)
    {
        if (service?.OptionalObject("detection")?.OptionalObject("sequence") is not { } sequence)
        {
            return (new AttackSequence(null, [], 0), []);
        }

        var signals = new List<string>();
        if (sequence.OptionalArray("signals", MaxSignals) is { } signalArray)
        {
            for (var i = 0; i < signalArray.Count; i++)
            {
                var signal = signalArray.ObjectAt(i);
                var name = signal.OptionalString("name") ?? signal.OptionalString("uid") ?? "unnamed";
                signals.Add(signal.OptionalString("type") is { } type ? $"{name} ({type})" : name);
            }
        }

        var instances = new List<InstanceReference>();
        var resources = sequence.OptionalArray("resources", MaxResources);
        for (var i = 0; i < (resources?.Count ?? 0); i++)
        {
            var resource = resources!.Value.ObjectAt(i);
            var resourceAccount = resource.OptionalString("accountId") ?? account;
            if (!AwsNames.IsAccountId(resourceAccount))
            {
                throw resource.Error("accountId", $"{JsonPath.Quote(resourceAccount)} is not a 12-digit AWS account id, so its instances cannot be located");
            }

            var resourceRegion = resource.OptionalString("region") ?? region;
            if (!AwsNames.IsRegion(resourceRegion))
            {
                throw resource.Error("region", $"{JsonPath.Quote(resourceRegion)} is not an AWS Region code");
            }

            if (resource.OptionalString("resourceType") == "EC2_INSTANCE")
            {
                Add(instances, Checked(InstanceUids.Parse(JsonPath.Property(resource.Path, "uid"), resource.RequiredString("uid"), resourceAccount, resourceRegion), resource));
            }

            var data = resource.OptionalObject("data");
            foreach (var group in InstanceGroups)
            {
                if (data?.OptionalObject(group) is not { } members || members.OptionalArray("ec2InstanceUids", MaxInstanceUidsPerGroup) is not { } uids)
                {
                    continue;
                }

                for (var j = 0; j < uids.Count; j++)
                {
                    Add(instances, Checked(InstanceUids.Parse(JsonPath.Index(JsonPath.Property(members.Path, "ec2InstanceUids"), j), uids.StringAt(j), resourceAccount, resourceRegion), resource));
                }
            }
        }

        var acted = instances.Take(AttackSequence.MaxInstances).ToArray();
        var result = new AttackSequence(sequence.OptionalString("uid"), signals, resources?.Count ?? 0) { BeyondCap = [.. instances.Skip(AttackSequence.MaxInstances)] };
        return (result, acted);
    }

    private static void Add(List<InstanceReference> instances, InstanceReference instance)
    {
        if (!instances.Contains(instance))
        {
            instances.Add(instance);
        }
    }

    /// <summary>An instance ARN's own account and Region must be real ones too.</summary>
    private static InstanceReference Checked(InstanceReference instance, JsonObjectReader resource) =>
        AwsNames.IsAccountId(instance.Account) && AwsNames.IsRegion(instance.Region)
            ? instance
            : throw resource.Error("uid", $"names account {JsonPath.Quote(instance.Account)} in Region {JsonPath.Quote(instance.Region)}, which is not a 12-digit account id and a Region code");
}
