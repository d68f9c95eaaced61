using System.Text;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>Reads one finding in the AWS Security Finding Format, as Security Hub events carry them.</summary>
internal static class AsffFindingReader
{
    private const string GuardDutyProductResource = "product/aws/guardduty";

    private static readonly (string Name, SeverityLabel Label)[] LabelNames =
    [
        ("INFORMATIONAL", SeverityLabel.Informational),
        ("LOW", SeverityLabel.Low),
        ("MEDIUM", SeverityLabel.Medium),
        ("HIGH", SeverityLabel.High),
        ("CRITICAL", SeverityLabel.Critical),
    ];

    public static Finding Read(JsonObjectReader finding, string envelopeRegion)
    {
        var id = finding.RequiredString("Id");
        var productArnText = finding.RequiredString("ProductArn");
        if (!Arn.TryParse(productArnText, out var productArn) || !productArn.Resource.StartsWith("product/", StringComparison.Ordinal))
        {
            throw finding.Error("ProductArn", $"{JsonPath.Quote(productArnText)} is not a Security Hub product ARN");
        }

        if (!AwsNames.IsPartition(productArn.Partition))
        {
            throw finding.Error("ProductArn", $"{JsonPath.Quote(productArn.Partition)} is not an AWS partition");
        }

        var account = finding.RequiredString("AwsAccountId");
        var types = finding.RequiredArray("Types", minItems: 1, maxItems: 50);
        var type = productArn.Resource == GuardDutyProductResource ? GuardDutyTypeOf(types.StringAt(0)) : types.StringAt(0);

        var region = finding.OptionalString("Region") ?? (productArn.Region.Length > 0 ? productArn.Region : envelopeRegion);
        if (!AwsNames.IsRegion(region))
        {
            throw finding.Error("Region", $"{JsonPath.Quote(region)} is not an AWS Region code");
        }

        var productFields = finding.OptionalObject("ProductFields");
        var role = ReadRole(productFields);
        var sample = finding.OptionalBoolean("Sample")
            ?? string.Equals(productFields?.OptionalString("aws/guardduty/service/additionalInfo/sample"), "true", StringComparison.OrdinalIgnoreCase);

        var tags = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        var instances = ReadInstances(finding, account, region, tags);
        return new Finding(
            Id: id,
            ProductArn: productArnText,
            Source: FindingSource.SecurityHub,
            Type: type,
            Severity: ReadSeverity(finding.RequiredObject("Severity")),
            Account: account,
            Region: region,
            Partition: productArn.Partition,
            ResourceRole: role,
            Sample: sample,
            Instances: instances)
        {
            InstanceTags = tags,
        };
    }

    /// <summary>
    /// ASFF writes GuardDuty's type <c>UnauthorizedAccess:EC2/SSHBruteForce</c> as the last part of a Types entry with the
    /// slash turned into a dash (<c>TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce</c>). Resource-type names
    /// (EC2, IAMUser, S3, Runtime...) contain no dash, so the first dash after the colon is the slash.
    /// </summary>
    internal static string GuardDutyTypeOf(string asffType)
    {
        var last = asffType[(asffType.LastIndexOf('/') + 1)..];
        var colon = last.IndexOf(':', StringComparison.Ordinal);
        var dash = colon < 0 ? -1 : last.IndexOf('-', colon);
        return dash < 0 ? asffType : string.Concat(last.AsSpan(0, dash), "/", last.AsSpan(dash + 1));
    }

    /// <summary>ASFF <c>Label</c> wins; without it the label comes from <c>Normalized</c> by the ASFF bands.</summary>
    private static Severity ReadSeverity(JsonObjectReader severity)
    {
        var normalizedValue = severity.OptionalNumber("Normalized");
        if (normalizedValue is < 0 or > 100)
        {
            throw severity.Error("Normalized", $"{normalizedValue} is outside the 0-100 scale");
        }

        var normalized = normalizedValue is { } n ? (int)Math.Floor(n) : (int?)null;
        if (severity.OptionalString("Label") is { } labelText)
        {
            if (LabelNamed(labelText) is not { } label)
            {
                throw severity.Error("Label", $"{JsonPath.Quote(labelText)} is not one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL");
            }

            return new Severity(label, normalized ?? Severity.NormalizedOf(label));
        }

        return normalized is { } score
            ? new Severity(Severity.LabelOf(score), score)
            : throw new IntakeException(severity.Path, "has neither Label nor Normalized");
    }

    /// <summary>
    /// The label spelled <paramref name="text"/>, in any ASCII letter case. Not <c>Enum.TryParse</c>, which also takes
    /// numbers ("+3", " 3") and comma-separated lists, ORing them: "LOW,MEDIUM" would be LOW|MEDIUM, that is HIGH.
    /// </summary>
    private static SeverityLabel? LabelNamed(string text)
    {
        foreach (var (name, label) in LabelNames)
        {
            if (Ascii.EqualsIgnoreCase(text, name))
            {
                return label;
            }
        }

        return null;
    }

    private static ResourceRole? ReadRole(JsonObjectReader? productFields)
    {
        const string key = "aws/guardduty/service/resourceRole";
        if (productFields is not { } fields || fields.OptionalString(key) is not { } text)
        {
            return null;
        }

        return ResourceRoles.TryParse(text) ?? throw fields.Error(key, $"{JsonPath.Quote(text)} is neither ACTOR nor TARGET");
    }

    /// <summary>Resources of type <c>AwsEc2Instance</c>: id from the ARN, account from the ARN, Region from the resource.</summary>
    private static List<InstanceReference> ReadInstances(JsonObjectReader finding, string findingAccount, string findingRegion, Dictionary<string, IReadOnlyDictionary<string, string>> tags)
    {
        var resources = finding.RequiredArray("Resources", minItems: 0, maxItems: IntakeLimits.MaxResourcesPerFinding);
        var instances = new List<InstanceReference>(capacity: 1);
        for (var i = 0; i < resources.Count; i++)
        {
            var resource = resources.ObjectAt(i);
            if (resource.RequiredString("Type") != "AwsEc2Instance")
            {
                continue;
            }

            var instance = ReadInstance(resource, findingAccount, findingRegion);
            if (!instances.Contains(instance))
            {
                instances.Add(instance);
                tags[instance.InstanceId.Value] = resource.OptionalTags("Tags");
            }
        }

        return instances;
    }

    private static InstanceReference ReadInstance(JsonObjectReader resource, string findingAccount, string findingRegion)
    {
        var idText = resource.RequiredString("Id");
        string instanceText, account, arnRegion;
        if (Arn.TryParse(idText, out var arn))
        {
            if (arn.Service != "ec2" || !arn.Resource.StartsWith("instance/", StringComparison.Ordinal))
            {
                throw resource.Error("Id", $"{JsonPath.Quote(idText)} is not an EC2 instance ARN");
            }

            instanceText = arn.Resource["instance/".Length..];
            account = arn.Account.Length > 0 ? arn.Account : findingAccount;
            arnRegion = arn.Region;
        }
        else
        {
            // Some integrations put the bare instance id in Id; the finding then tells account and Region.
            (instanceText, account, arnRegion) = (idText, findingAccount, string.Empty);
        }

        if (!InstanceId.TryParse(instanceText, out var instanceId))
        {
            throw resource.Error("Id", $"{JsonPath.Quote(instanceText)} is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits)");
        }

        if (!AwsNames.IsAccountId(account))
        {
            throw resource.Error("Id", $"account {JsonPath.Quote(account)} is not a 12-digit AWS account id");
        }

        var region = resource.OptionalString("Region") ?? (arnRegion.Length > 0 ? arnRegion : findingRegion);
        if (!AwsNames.IsRegion(region))
        {
            throw resource.Error("Region", $"{JsonPath.Quote(region)} is not an AWS Region code");
        }

        return new InstanceReference(instanceId.Value, account, region);
    }
}
