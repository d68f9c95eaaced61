using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Intake;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Core.Settings;

/// <summary>
/// Every environment variable the functions and the CLI read, declared once: kind, default, allowed values, readers,
/// meaning. <see cref="DeploymentSettings"/> and <see cref="FunctionSettings"/> are read from these rows only, and
/// docs/configuration.md is checked against them. The AWS SDK's own variables (<c>AWS_REGION</c>,
/// <c>AWS_ENDPOINT_URL</c>…) are read the SDK's way by the Aws project and are not here.
/// </summary>
public static class SettingsTable
{
    private const string Arn = "arn:aws(?:-[a-z]+)*";

    public static readonly Setting<string?> NotificationTopicArn = SettingKinds.Text(
        new("NOTIFICATION_TOPIC_ARN", "all functions",
        "The topic every response is published to."),
        "ARN", null, $"{Arn}:sns:[a-z0-9-]+:[0-9]{{12}}:[A-Za-z0-9_-]{{1,256}}(?:\\.fifo)?", "an SNS topic ARN; required by every function");

    public static readonly Setting<string?> ActionTargetArn = SettingKinds.Text(
        new("ACTION_TARGET_ARN", "custom-action functions",
        "The custom action this function serves; events whose `resources` lack it are refused."),
        "ARN", null, $"{Arn}:securityhub:[a-z0-9-]+:[0-9]{{12}}:action/custom/[A-Za-z0-9]{{1,20}}", "a Security Hub custom action ARN; required by the custom-action functions");

    public static readonly Setting<bool> DryRun = SettingKinds.Bool(
        new("DRY_RUN", "custom-action functions",
        "`true`: check with EC2 DryRun only."),
        false);

    public static readonly Setting<ResponseMode> AutoResponseMode = new(
        "AUTO_RESPONSE_MODE", "enum", ResponseMode.DryRun, "dry-run", "one of off, dry-run, enforce", "GuardDutyResponder",
        "`off` notifies only, `dry-run` checks every call, `enforce` acts.",
        text => ResponseModes.TryParse(text, out var mode) ? (mode, true) : (ResponseMode.DryRun, false));

    public static readonly Setting<string?> Playbook = SettingKinds.AnyText(
        new("PLAYBOOK", "GuardDutyResponder",
        "The playbook inline (YAML or JSON); an unusable one is notified and nothing is contained."));

    public static readonly Setting<string?> PlaybookParameterName = SettingKinds.Text(
        new("PLAYBOOK_PARAMETER_NAME", "GuardDutyResponder",
        "SSM parameter holding the playbook. Neither this nor `PLAYBOOK` set: the default playbook; both set: fail safe (notify only)."),
        "name", null, "arn:\\S+|[A-Za-z0-9_.\\-/]{1,2048}", "an SSM parameter name or ARN");

    public static readonly Setting<string?> MemberRoleName = SettingKinds.Text(
        new("MEMBER_ROLE_NAME", "all functions, CLI",
        "The role assumed in member accounts; `revoke-sessions` never writes on it."),
        "name", "ThreatResponseMember", "[\\w+=,.@-]{1,64}", "an IAM role name (1-64 of letters, digits, +=,.@_-)");

    public static readonly Setting<string?> MemberRoleExternalId = SettingKinds.Text(
        new("MEMBER_ROLE_EXTERNAL_ID", "all functions, CLI",
        "External id presented when assuming the member role."),
        "text", null, "[\\w+=,.@:/-]{2,1224}", "an STS external id (2-1224 of letters, digits, +=,.@:/_-)");

    public static readonly Setting<string?> HomeAccountId = SettingKinds.Text(
        new("HOME_ACCOUNT_ID", "all functions, CLI",
        "The functions' own account (the template sets it); unset: STS `GetCallerIdentity`."),
        "account id", null, "[0-9]{12}", "a 12-digit account id");

    public static readonly Setting<string> ExemptTagKey = new(
        "EXEMPT_TAG_KEY", "tag key", "ThreatResponse:Exempt", "ThreatResponse:Exempt",
        $"a tag key starting with {ContainmentOptions.ProtectedTagPrefix} (at most 128 characters), the prefix the tag-protection SCP (templates/protect-tags-scp.json) reserves for ThreatResponse's roles; under any other key, whoever may tag the instance could exempt it",
        "containment", "Instances with this tag set to `true` are never touched.",
        text => text.StartsWith(ContainmentOptions.ProtectedTagPrefix, StringComparison.Ordinal) && text.Length > ContainmentOptions.ProtectedTagPrefix.Length && text.Length <= 128
            ? (text, true)
            : (string.Empty, false));

    public static readonly Setting<IReadOnlySet<string>> AllowedAccounts = new(
        "ALLOWED_ACCOUNTS", "account ids", new HashSet<string>(), "(unset: any)", "12-digit account ids separated by commas", "containment",
        "The accounts containment may act in; empty = any.",
        text =>
        {
            var ids = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return ids.All(AwsNames.IsAccountId) ? (ids.ToHashSet(StringComparer.Ordinal), true) : (new HashSet<string>(), false);
        });

    public static readonly Setting<bool> RevokeSessions = SettingKinds.Bool(
        new("REVOKE_SESSIONS", "GuardDutyResponder, IsolateAndRevokeSessionsAction",
        "`true`: `revoke-sessions` may write the deny policy on instance roles; otherwise it is skipped and says so. The template sets it from `EnableRevokeSessions`; the CLI turns it on when the operator names `revoke-sessions`."),
        false);

    public static readonly Setting<bool> ReleaseRestoresMembership = SettingKinds.Bool(
        new("RELEASE_RESTORES_MEMBERSHIP", "ReleaseInstanceAction, containment",
        "`true`: release also exits Standby and registers the instance in its target groups again."),
        false);

    public static readonly Setting<bool> NetworkAclDeny = SettingKinds.Bool(
        new("NETWORK_ACL_DENY", "containment",
        "Isolation also adds network ACL deny entries for the instance's addresses; `false` for teams that forbid ACL changes."),
        true);

    public static readonly Setting<int> NetworkAclRuleQuota = SettingKinds.Int(
        new("NETWORK_ACL_RULE_QUOTA", "containment",
        "Entries a network ACL may hold per direction (EC2's quota, adjustable to 40)."),
        20, 20, 40);

    public static readonly Setting<string?> LedgerTableName = SettingKinds.Text(
        new("LEDGER_TABLE_NAME", "functions, CLI",
        "The ledger (DynamoDB, `pk`/`sk` strings): decisions per finding and instance, and pre-isolation state; unset = no idempotency records and state in instance tags."),
        "name", null, "[A-Za-z0-9_.-]{3,255}", "a DynamoDB table name (3-255 of letters, digits, _.-)");

    public static readonly Setting<TimeSpan> ClaimWait = SettingKinds.Seconds(
        new("CLAIM_WAIT_SECONDS", "functions",
        "How long a delivery waits for another invocation that holds the same decision before it fails for Lambda's retry (notified \"Delayed\")."),
        20, 0, 60);

    public static readonly Setting<string> FindingWorkflowStatus = SettingKinds.OneOf(
        new("FINDING_WORKFLOW_STATUS", "functions (finding update)",
        "Workflow status set on a finding once its instances are contained; `unchanged` leaves it."),
        "NOTIFIED", ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED", "unchanged"], caseSensitive: true);

    public static readonly Setting<TimeSpan> AwsAttemptTimeout = SettingKinds.Seconds(
        new("THREATRESPONSE_AWS_TIMEOUT_SECONDS", "every client",
        "Longest wait for one attempt of an AWS request before it is retried."),
        10, 0, 900, minExclusive: true);

    public static readonly Setting<double> Ec2RateScale = SettingKinds.Number(
        new("THREATRESPONSE_EC2_RATE_SCALE", "containment",
        "Multiplies the refill rates of the EC2 request buckets the functions pace themselves to (accounts with raised limits)."),
        1, 0, 1000);

    public static readonly Setting<string?> EvidenceBucketName = SettingKinds.Text(
        new("EVIDENCE_BUCKET_NAME", "GuardDutyResponder, CollectEvidenceAction, SnapshotInstanceAction",
        "The evidence bucket (the template sets it): `collect` uploads there, and the snapshots taken are listed there. Unset: `collect` is skipped saying so."),
        "name", null, "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name");

    public static readonly Setting<string?> EvidenceDocumentName = SettingKinds.Text(
        new("EVIDENCE_DOCUMENT_NAME", "collect",
        "The Systems Manager document that collects."),
        "name", "ThreatResponse-CollectEvidence", "[A-Za-z0-9_.-]{3,128}", "an SSM document name (3-128 of letters, digits, _.-)");

    public static readonly Setting<long> EvidenceMaxBytes = SettingKinds.Long(
        new("EVIDENCE_MAX_BYTES", "collect",
        "The evidence archive's cap."),
        100L * 1024 * 1024, 1_000_000, 5L * 1024 * 1024 * 1024);

    public static readonly Setting<TimeSpan> EvidenceTimeout = SettingKinds.Seconds(
        new("EVIDENCE_TIMEOUT_SECONDS", "collect",
        "The collection command's limit; the function waits that long and a little more for it."),
        90, 10, 900);

    public static readonly Setting<int?> EvidenceRetentionDays = SettingKinds.OptionalInt(
        new("EVIDENCE_RETENTION_DAYS", "collect",
        "The bucket's Object Lock retention, recorded with the evidence."),
        1, 36500);

    public static readonly Setting<string?> QuarantineInstanceProfileName = SettingKinds.Text(
        new("QUARANTINE_INSTANCE_PROFILE_NAME", "GuardDutyResponder, ReleaseInstanceAction",
        "The profile an instance holds while evidence is collected after isolation."),
        "name", "ThreatResponse-Quarantine", "[\\w+=,.@-]{1,128}", "an IAM instance profile name (1-128 of letters, digits, +=,.@_-)");

    public static readonly Setting<string?> OrganizationId = SettingKinds.Text(
        new("ORGANIZATION_ID", "collect",
        "Endpoint policies confined to this organisation count as confining; unset: only bucket- and account-confined ones do."),
        "id", null, "o-[a-z0-9]{10,32}", "an AWS Organizations id (o- and 10-32 of a-z, 0-9)");

    public static readonly Setting<TimeSpan> FunctionTimeout = SettingKinds.Seconds(
        new("FUNCTION_TIMEOUT_SECONDS", "functions",
        "The function's timeout (the template sets it from `FunctionTimeoutSeconds`): EC2 calls stop an eighth of it before, at most 15 s, and what is left is reported not reached in time."),
        120, 0, 900, minExclusive: true);

    /// <summary>Every row, in the order docs/configuration.md lists them.</summary>
    public static IReadOnlyList<Setting> All { get; } =
    [
        NotificationTopicArn, ActionTargetArn, DryRun, AutoResponseMode, Playbook, PlaybookParameterName, MemberRoleName, MemberRoleExternalId,
        HomeAccountId, ExemptTagKey, AllowedAccounts, RevokeSessions, ReleaseRestoresMembership, NetworkAclDeny, NetworkAclRuleQuota,
        LedgerTableName, ClaimWait, FindingWorkflowStatus, AwsAttemptTimeout, Ec2RateScale, EvidenceBucketName, EvidenceDocumentName,
        EvidenceMaxBytes, EvidenceTimeout, EvidenceRetentionDays, QuarantineInstanceProfileName, OrganizationId, FunctionTimeout,
    ];
}
