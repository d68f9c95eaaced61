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
        AttackSequence? sequence = null;
        InstanceReference[] instances;
        if (resource.RequiredString("resourceType") == "AttackSequence")
        {
            (sequence, instances) = AttackSequenceReader.Read(service, account, region);
        }
        else
        {
            instances = ReadInstances(detail, resource, type, account, region);
        }

        var tags = sequence is null && instances.Length == 1 && resource.OptionalObject("instanceDetails") is { } instanceDetails
            ? new Dictionary<string, IReadOnlyDictionary<string, string>> { [instances[0].InstanceId.Value] = instanceDetails.OptionalTags("tags") }
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
            Sequence = sequence,
        };
    }

    /// <summary>
    /// An instance to contain: the resource of an <c>Instance</c> finding, or the instance whose role credentials an
    /// <c>InstanceCredentialExfiltration</c> finding saw used elsewhere (resourceType <c>AccessKey</c>: the instance is the
    /// victim, and isolating it cuts the credentials at their source). Other findings may carry <c>instanceDetails</c>
    /// (Runtime Monitoring on a container, IAM findings): there the instance is context, not what the finding is about.
    /// </summary>
    private static InstanceReference[] ReadInstances(JsonObjectReader detail, JsonObjectReader resource, string type, string account, string region)
    {
        var resourceType = resource.RequiredString("resourceType");
        var credentials = resourceType == "AccessKey" && type.StartsWith(CredentialExfiltration, StringComparison.Ordinal);
        if (resourceType != "Instance" && !credentials)
        {
            return [];
        }

        var instanceDetails = resource.RequiredObject("instanceDetails");
        var idText = instanceDetails.RequiredString("instanceId");
        if (!InstanceId.TryParse(idText, out var instanceId))
        {
            throw instanceDetails.Error("instanceId", $"{JsonPath.Quote(idText)} is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits)");
        }

        // The role session of instance credentials is named after the instance ("AROA...:i-..."): it must be this one.
        if (credentials && resource.OptionalObject("accessKeyDetails") is { } key && key.OptionalString("principalId") is { } principal
            && principal.Split(':') is [_, var session] && InstanceId.TryParse(session, out var sessionInstance) && sessionInstance != instanceId)
        {
            throw key.Error("principalId", $"names the session of instance {sessionInstance}, but resource.instanceDetails names {instanceId}: the finding contradicts itself, so neither is contained");
        }

        if (!AwsNames.IsAccountId(account))
        {
            throw detail.Error("accountId", $"{JsonPath.Quote(account)} is not a 12-digit AWS account id, so the instance cannot be located");
        }

        return [new InstanceReference(instanceId.Value, account, region)];
    }

    /// <summary><c>UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS</c> and <c>.InsideAWS</c>.</summary>
    private const string CredentialExfiltration = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.";

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
