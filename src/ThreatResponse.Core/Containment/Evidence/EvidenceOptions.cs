namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// The collection's settings, from the environment the template sets (read by <see cref="Settings.DeploymentSettings"/>): <c>EVIDENCE_BUCKET_NAME</c> (none: collect is
/// skipped, saying so), <c>EVIDENCE_DOCUMENT_NAME</c>, <c>EVIDENCE_MAX_BYTES</c> (the archive's cap),
/// <c>EVIDENCE_TIMEOUT_SECONDS</c> (the command's limit; the function waits that long and a little more for it),
/// <c>EVIDENCE_RETENTION_DAYS</c> (the bucket's Object Lock retention, recorded with the evidence),
/// <c>QUARANTINE_INSTANCE_PROFILE_NAME</c> (the profile an instance holds while evidence is collected after isolation),
/// <c>ORGANIZATION_ID</c> (optional: endpoint policies confined to the organisation count, see <see cref="ForensicEndpointPolicy"/>).
/// </summary>
public sealed record EvidenceOptions
{
    public string? Bucket { get; init; }

    public string DocumentName { get; init; } = Settings.SettingsTable.EvidenceDocumentName.DefaultValue!;

    public long MaxBytes { get; init; } = Settings.SettingsTable.EvidenceMaxBytes.DefaultValue;

    /// <summary>90 s by default: most collections take 5–30 s, and the function's own timeout is 120 s.</summary>
    public TimeSpan Timeout { get; init; } = Settings.SettingsTable.EvidenceTimeout.DefaultValue;

    public int? RetentionDays { get; init; }

    /// <summary>
    /// The instance profile, in the instance's account, that replaces the instance's own while evidence is collected
    /// after isolation: the SSM agent's permissions and nothing else (templates/member-role.yaml, template.yaml).
    /// </summary>
    public string QuarantineProfileName { get; init; } = Settings.SettingsTable.QuarantineInstanceProfileName.DefaultValue!;

    /// <summary>
    /// The AWS Organizations id (<c>o-…</c>) whose principals and resources an endpoint policy may be confined to; null:
    /// only policies confined to the evidence bucket and the instance's account open the forensic window.
    /// </summary>
    public string? OrganizationId { get; init; }

    /// <summary>How often the command's status is read while waiting.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The quarantine profile's ARN in the instance's account and partition.</summary>
    public string QuarantineProfileArn(Findings.InstanceReference instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return $"arn:{Findings.AwsPartition.OfRegion(instance.Region)}:iam::{instance.Account}:instance-profile/{QuarantineProfileName}";
    }
}
