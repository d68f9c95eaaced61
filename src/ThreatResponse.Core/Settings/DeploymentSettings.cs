using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Evidence;

namespace ThreatResponse.Core.Settings;

/// <summary>
/// The settings the functions and the CLI both read (containment, evidence, ledger, member role, AWS request limits):
/// the CLI's record, and part of each function's. Read only through <see cref="Read(Func{string, string?})"/>, from <see cref="SettingsTable"/>.
/// </summary>
public sealed record DeploymentSettings
{
    public ContainmentOptions Containment { get; init; } = new();

    /// <summary>The ledger's table; null: no idempotency records, and pre-isolation state in instance tags.</summary>
    public string? LedgerTableName { get; init; }

    public string? MemberRoleExternalId { get; init; }

    /// <summary>The functions' own account; null: asked of STS.</summary>
    public string? HomeAccountId { get; init; }

    public double Ec2RateScale { get; init; } = 1;

    public TimeSpan AwsAttemptTimeout { get; init; } = SettingsTable.AwsAttemptTimeout.DefaultValue;

    /// <exception cref="InvalidSettingsException">A variable is set to a value not allowed; every such variable is named.</exception>
    public static DeploymentSettings Read(Func<string, string?> variables)
    {
        var errors = new List<string>();
        var settings = Read(variables, errors);
        return errors.Count == 0 ? settings : throw new InvalidSettingsException(errors);
    }

    /// <summary>Reads every variable, adding each one not allowed to <paramref name="errors"/>.</summary>
    internal static DeploymentSettings Read(Func<string, string?> variables, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return new DeploymentSettings
        {
            Containment = new ContainmentOptions
            {
                ExemptTagKey = SettingsTable.ExemptTagKey.Read(variables, errors),
                AllowedAccounts = SettingsTable.AllowedAccounts.Read(variables, errors),
                ReleaseRestoresMembership = SettingsTable.ReleaseRestoresMembership.Read(variables, errors),
                DenyInNetworkAcls = SettingsTable.NetworkAclDeny.Read(variables, errors),
                NetworkAclRuleQuota = SettingsTable.NetworkAclRuleQuota.Read(variables, errors),
                RevokeSessions = SettingsTable.RevokeSessions.Read(variables, errors),
                MemberRoleName = SettingsTable.MemberRoleName.Read(variables, errors)!,
                Evidence = new EvidenceOptions
                {
                    Bucket = SettingsTable.EvidenceBucketName.Read(variables, errors),
                    DocumentName = SettingsTable.EvidenceDocumentName.Read(variables, errors)!,
                    MaxBytes = SettingsTable.EvidenceMaxBytes.Read(variables, errors),
                    Timeout = SettingsTable.EvidenceTimeout.Read(variables, errors),
                    RetentionDays = SettingsTable.EvidenceRetentionDays.Read(variables, errors),
                    QuarantineProfileName = SettingsTable.QuarantineInstanceProfileName.Read(variables, errors)!,
                    OrganizationId = SettingsTable.OrganizationId.Read(variables, errors),
                },
            },
            LedgerTableName = SettingsTable.LedgerTableName.Read(variables, errors),
            MemberRoleExternalId = SettingsTable.MemberRoleExternalId.Read(variables, errors),
            HomeAccountId = SettingsTable.HomeAccountId.Read(variables, errors),
            Ec2RateScale = SettingsTable.Ec2RateScale.Read(variables, errors),
            AwsAttemptTimeout = SettingsTable.AwsAttemptTimeout.Read(variables, errors),
        };
    }
}
