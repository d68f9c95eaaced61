using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>
/// Reads one finding of a <c>Findings Imported V2</c> event: the new Security Hub's findings in OCSF 1.x (Detection
/// Finding 2004, Compliance Finding 2003, ...). A GuardDuty finding keeps GuardDuty's finding ARN as its id, the key the
/// ledger already holds for it, so the same finding arriving both ways is decided once; the V2 id (<c>metadata.uid</c>,
/// what <c>BatchUpdateFindingsV2</c> addresses) is kept beside it.
/// </summary>
internal static class OcsfFindingReader
{
    public static Finding Read(JsonObjectReader finding, string eventRegion)
    {
        var metadata = finding.RequiredObject("metadata");
        var metadataUid = metadata.RequiredString("uid");
        var product = metadata.RequiredObject("product");
        var productArn = product.RequiredString("uid");
        // By the product's ARN, which Security Hub sets, never by its name, which an imported finding may claim.
        var guardDuty = productArn.StartsWith("arn:", StringComparison.Ordinal) && productArn.EndsWith("::productv2/aws/guardduty", StringComparison.Ordinal);

        var info = finding.RequiredObject("finding_info");
        var infoUid = info.RequiredString("uid");
        var types = ReadTypes(info);

        var cloud = finding.RequiredObject("cloud");
        var account = cloud.OptionalObject("account")?.OptionalString("uid") ?? throw cloud.Error("account", "has no uid: the finding's account is required");
        var region = cloud.OptionalString("region") ?? eventRegion;
        if (!AwsNames.IsRegion(region))
        {
            throw cloud.Error("region", $"{JsonPath.Quote(region)} is not an AWS Region code");
        }

        var partition = cloud.OptionalString("cloud_partition") ?? "aws";
        if (!AwsNames.IsPartition(partition))
        {
            throw cloud.Error("cloud_partition", $"{JsonPath.Quote(partition)} is not an AWS partition");
        }

        // GuardDuty's type ("Backdoor:EC2/C&CActivity.B!DNS") is among finding_info.types; others: the first type, else the class.
        var type = types.FirstOrDefault(t => guardDuty && t.Contains(':', StringComparison.Ordinal) && t.Contains('/', StringComparison.Ordinal))
            ?? types.FirstOrDefault() ?? finding.OptionalString("class_name") ?? "unknown";

        return new Finding(
            Id: guardDuty ? infoUid : metadataUid,
            ProductArn: productArn,
            Source: guardDuty ? FindingSource.GuardDuty : FindingSource.SecurityHub,
            Type: type,
            Severity: ReadSeverity(finding),
            Account: account,
            Region: region,
            Partition: partition,
            ResourceRole: null,
            Sample: false,
            Instances: ReadInstances(finding, account, region))
        {
            MetadataUid = metadataUid,
        };
    }

    private static List<string> ReadTypes(JsonObjectReader info)
    {
        var types = new List<string>();
        if (info.OptionalArray("types", IntakeLimits.MaxResourcesPerFinding) is { } array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                types.Add(array.StringAt(i));
            }
        }

        return types;
    }

    /// <summary>
    /// The provider's severity: OCSF's <c>vendor_attributes.severity_id</c>, never the top-level <c>severity_id</c>.
    /// <c>BatchUpdateFindingsV2</c> takes <c>SeverityId</c> (with <c>StatusId</c> and <c>Comment</c>; botocore's
    /// securityhub model) and rewrites the top-level <c>severity_id</c>, so anyone allowed to update findings could raise
    /// or lower a finding past the playbook's thresholds; OCSF's vendor attributes keep "the finding severity ID, as
    /// reported by the Vendor (Finding Provider)", set by the consuming system (Security Hub) so that provider values
    /// stay apart from consumer updates, and the update API has no member that writes them. Every V2 finding Security
    /// Hub sent us carries them (tests/events/securityhub-imported-v2). Ids: 1 Informational, 2 Low, 3 Medium, 4 High,
    /// 5 Critical, 6 Fatal; 0 Unknown and 99 Other say nothing and count as informational. Normalized as Security Hub
    /// does for a label alone.
    /// </summary>
    private static Severity ReadSeverity(JsonObjectReader finding)
    {
        var vendor = finding.OptionalObject("vendor_attributes")
            ?? throw finding.Error("vendor_attributes", "is required: the provider's severity (vendor_attributes.severity_id) decides, as BatchUpdateFindingsV2 can change severity_id");
        var id = vendor.RequiredNumber("severity_id");
        var label = id switch
        {
            0 or 1 or 99 => SeverityLabel.Informational,
            2 => SeverityLabel.Low,
            3 => SeverityLabel.Medium,
            4 => SeverityLabel.High,
            5 or 6 => SeverityLabel.Critical,
            _ => throw vendor.Error("severity_id", $"{id} is not an OCSF severity id (0-6 or 99)"),
        };
        return new Severity(label, Severity.NormalizedOf(label));
    }

    /// <summary>Resources of type <c>AWS::EC2::Instance</c>: <c>uid</c> the instance id (or ARN), the owner's account, the resource's Region.</summary>
    private static InstanceReference[] ReadInstances(JsonObjectReader finding, string account, string region)
    {
        if (finding.OptionalArray("resources", IntakeLimits.MaxResourcesPerFinding) is not { } resources)
        {
            return [];
        }

        var instances = new List<InstanceReference>();
        for (var i = 0; i < resources.Count; i++)
        {
            var resource = resources.ObjectAt(i);
            if (resource.OptionalString("type") != "AWS::EC2::Instance")
            {
                continue;
            }

            var uid = resource.RequiredString("uid");
            var owner = resource.OptionalObject("owner")?.OptionalObject("account")?.OptionalString("uid") ?? account;
            var where = resource.OptionalString("region") ?? region;
            var instance = InstanceUids.Parse(JsonPath.Property(resource.Path, "uid"), uid, owner, where);
            if (!AwsNames.IsAccountId(instance.Account))
            {
                throw resource.Error("owner", $"{JsonPath.Quote(instance.Account)} is not a 12-digit AWS account id, so the instance cannot be located");
            }

            if (!AwsNames.IsRegion(instance.Region))
            {
                throw resource.Error("region", $"{JsonPath.Quote(instance.Region)} is not an AWS Region code");
            }

            if (!instances.Contains(instance))
            {
                instances.Add(instance);
            }
        }

        return [.. instances];
    }
}
