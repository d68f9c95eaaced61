using System.Text.Json;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>Reads the <c>detail</c> of a <c>GuardDuty Finding</c> event (GuardDuty's own format).</summary>
internal static class GuardDutyFindingReader
{
    public static Finding Read(JsonObjectReader detail)
    {
        var arnText = detail.RequiredString("arn");
        if (!Arn.TryParse(arnText, out var arn) || arn.Service != "guardduty")
        {
            throw detail.Error("arn", $"{JsonPath.Quote(arnText)} is not a GuardDuty finding ARN");
        }

        _ = detail.RequiredString("id");
        var type = detail.RequiredString("type");
        var score = detail.RequiredNumber("severity");
        if (score is < 0 or > 10)
        {
            throw detail.Error("severity", $"{score} is outside GuardDuty's 0-10 scale");
        }

        var account = detail.RequiredString("accountId");
        var region = detail.RequiredString("region");
        if (!AwsNames.IsRegion(region))
        {
            throw detail.Error("region", $"{JsonPath.Quote(region)} is not an AWS Region code");
        }

        var partition = detail.OptionalString("partition") ?? arn.Partition;
        if (!AwsNames.IsPartition(partition))
        {
            throw detail.Error("partition", $"{JsonPath.Quote(partition)} is not an AWS partition");
        }

        var service = detail.OptionalObject("service");
        var role = ReadRole(service);
        var sample = ReadSample(service?.OptionalObject("additionalInfo"));

        var resource = detail.RequiredObject("resource");
        var instances = ReadInstances(detail, resource, account, region);
        var tags = instances.Length == 1
            ? new Dictionary<string, IReadOnlyDictionary<string, string>> { [instances[0].InstanceId.Value] = resource.RequiredObject("instanceDetails").OptionalTags("tags") }
            : [];

        return new Finding(
            Id: arnText,
            ProductArn: $"arn:{partition}:securityhub:{region}::product/aws/guardduty",
            Source: FindingSource.GuardDuty,
            Type: type,
            Severity: Severity.FromGuardDutyScore(score),
            Account: account,
            Region: region,
            Partition: partition,
            ResourceRole: role,
            Sample: sample,
            Instances: instances)
        {
            InstanceTags = tags,
        };
    }

    /// <summary>
    /// Only <c>resourceType == "Instance"</c> names an instance to contain. Other findings may still carry
    /// <c>instanceDetails</c> (Runtime Monitoring on a container, IAM findings from an instance's credentials):
    /// the instance there is context, not the resource the finding is about.
    /// </summary>
    private static InstanceReference[] ReadInstances(JsonObjectReader detail, JsonObjectReader resource, string account, string region)
    {
        if (resource.RequiredString("resourceType") != "Instance")
        {
            return [];
        }

        var instanceDetails = resource.RequiredObject("instanceDetails");
        var idText = instanceDetails.RequiredString("instanceId");
        if (!InstanceId.TryParse(idText, out var instanceId))
        {
            throw instanceDetails.Error("instanceId", $"{JsonPath.Quote(idText)} is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits)");
        }

        if (!AwsNames.IsAccountId(account))
        {
            throw detail.Error("accountId", $"{JsonPath.Quote(account)} is not a 12-digit AWS account id, so the instance cannot be located");
        }

        return [new InstanceReference(instanceId.Value, account, region)];
    }

    private static ResourceRole? ReadRole(JsonObjectReader? service)
    {
        if (service is not { } s || s.OptionalString("resourceRole") is not { } text)
        {
            return null;
        }

        return ResourceRoles.TryParse(text) ?? throw s.Error("resourceRole", $"{JsonPath.Quote(text)} is neither ACTOR nor TARGET");
    }

    /// <summary>
    /// <c>additionalInfo.sample</c>; GuardDuty's API output also wraps additionalInfo as a JSON string in <c>value</c>,
    /// which is where some exported findings keep the flag.
    /// </summary>
    private static bool ReadSample(JsonObjectReader? additionalInfo)
    {
        if (additionalInfo is not { } info)
        {
            return false;
        }

        if (info.OptionalBoolean("sample") is { } sample)
        {
            return sample;
        }

        if (info.OptionalString("value", maxLength: 16 * 1024) is not { } wrapped)
        {
            return false;
        }

        try
        {
            using var inner = JsonDocument.Parse(wrapped, new JsonDocumentOptions { MaxDepth = 8 });
            return inner.RootElement.ValueKind == JsonValueKind.Object
                && new JsonObjectReader(inner.RootElement, JsonPath.Property(info.Path, "value")).OptionalBoolean("sample") == true;
        }
        catch (JsonException)
        {
            // Not JSON: then it does not say "sample", and the finding is treated as real, the safe reading for an alert.
            return false;
        }
    }
}
