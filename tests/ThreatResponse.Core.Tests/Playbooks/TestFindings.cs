using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Tests.Playbooks;

/// <summary>Synthetic findings for playbook tests: every field a rule can look at is a parameter.</summary>
internal static class TestFindings
{
    public const string Account = "123456789012";
    public const string InstanceA = "i-0123456789abcdef0";
    public const string InstanceB = "i-0fedcba9876543210";

    /// <param name="severity">On GuardDuty's 0–10 scale; stored as Security Hub's normalized score (times ten).</param>
    public static Finding Make(
        string type = "Recon:EC2/Portscan",
        double severity = 5,
        ResourceRole? role = ResourceRole.Target,
        bool sample = false,
        string account = Account,
        params string[] instances)
    {
        var normalized = (int)Math.Round(severity * 10);
        return new Finding(
            $"arn:aws:guardduty:us-east-1:{account}:detector/d/finding/{Guid.NewGuid():N}",
            "arn:aws:securityhub:us-east-1::product/aws/guardduty",
            FindingSource.GuardDuty,
            type,
            new Severity(Severity.LabelOf(normalized), normalized),
            account,
            "us-east-1",
            "aws",
            role,
            sample,
            [.. (instances.Length == 0 ? [InstanceA] : instances).Select(i => new InstanceReference(InstanceId.Parse(i), account, "us-east-1"))]);
    }

    public static Finding WithoutInstances(Finding finding) => finding with { Instances = [] };

    public static Finding WithTags(this Finding finding, string instanceId, params (string Key, string Value)[] tags) => finding with
    {
        InstanceTags = new Dictionary<string, IReadOnlyDictionary<string, string>>(finding.InstanceTags)
        {
            [instanceId] = tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
        },
    };
}
