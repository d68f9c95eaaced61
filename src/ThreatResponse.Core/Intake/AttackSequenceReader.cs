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
                Add(instances, Instance(JsonPath.Property(resource.Path, "uid"), resource.RequiredString("uid"), resourceAccount, resourceRegion));
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
                    Add(instances, Instance(JsonPath.Index(JsonPath.Property(members.Path, "ec2InstanceUids"), j), uids.StringAt(j), resourceAccount, resourceRegion));
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

    /// <summary>An instance id, or an instance ARN (which then says its own account and Region).</summary>
    private static InstanceReference Instance(string path, string uid, string account, string region)
    {
        if (Arn.TryParse(uid, out var arn) && arn.Service == "ec2" && arn.Resource.StartsWith("instance/", StringComparison.Ordinal)
            && InstanceId.TryParse(arn.Resource["instance/".Length..], out var fromArn) && AwsNames.IsAccountId(arn.Account) && AwsNames.IsRegion(arn.Region))
        {
            return new InstanceReference(fromArn.Value, arn.Account, arn.Region);
        }

        return InstanceId.TryParse(uid, out var instanceId)
            ? new InstanceReference(instanceId.Value, account, region)
            : throw new IntakeException(path, $"{JsonPath.Quote(uid)} is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits) or instance ARN");
    }
}
