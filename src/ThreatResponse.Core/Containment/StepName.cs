namespace ThreatResponse.Core.Containment;

/// <summary>
/// The closed set of step names a report can hold: a step is logged only under one of these (the log takes a
/// <see cref="StepName"/>, never a string), and code that reads a report compares with them, never with text.
/// The names are the report's stable vocabulary (JSON, notifications, the ledger's evidence list).
/// </summary>
public readonly record struct StepName
{
    private StepName(string text) => Text = text;

    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>The report keeps names as text (<see cref="StepResult.Step"/>).</summary>
    public static implicit operator string(StepName name) => name.Text;

    // Every instance.
    public static readonly StepName Lookup = new("lookup");
    public static readonly StepName Skip = new("skip");
    public static readonly StepName InternalError = new("internal-error");

    // Isolation: saved state first, then the network path per ENI, then credentials and protections.
    public static readonly StepName Isolate = new("isolate");
    public static readonly StepName QuarantineGroups = new("quarantine-groups");
    public static readonly StepName SaveState = new("save-state");
    public static readonly StepName SaveStateOutcome = new("save-state-outcome");
    public static readonly StepName KeepSupersededState = new("keep-superseded-state");
    public static readonly StepName ConnectionTracking = new("connection-tracking");
    public static readonly StepName ConversionGroup = new("conversion-group");
    public static readonly StepName IsolationGroup = new("isolation-group");
    public static readonly StepName RollbackConversion = new("rollback-conversion");
    public static readonly StepName MetadataEndpoint = new("metadata-endpoint");
    public static readonly StepName InstanceProfile = new("instance-profile");
    public static readonly StepName TerminationProtection = new("termination-protection");
    public static readonly StepName ShutdownBehavior = new("shutdown-behavior");
    public static readonly StepName Tag = new("tag");

    // Network ACLs.
    public static readonly StepName NetworkAcl = new("network-acl");
    public static readonly StepName DescribeNetworkAcls = new("describe-network-acls");
    public static readonly StepName RemoveNetworkAclEntries = new("remove-network-acl-entries");

    // Fleet: Auto Scaling and load balancers.
    public static readonly StepName AutoScaling = new("auto-scaling");
    public static readonly StepName ScaleInProtection = new("scale-in-protection");
    public static readonly StepName LoadBalancers = new("load-balancers");
    public static readonly StepName LoadBalancersAfterStandby = new("load-balancers-after-standby");

    // Credentials.
    public static readonly StepName RevokeSessions = new("revoke-sessions");
    public static readonly StepName InstanceRole = new("instance-role");
    public static readonly StepName RemoveRevokedSessions = new("remove-revoked-sessions");

    // Evidence: snapshots, the collection, the forensic window.
    public static readonly StepName Snapshot = new("snapshot");
    public static readonly StepName EvidenceStored = new("evidence-stored");
    public static readonly StepName Collect = new("collect");
    public static readonly StepName SsmAgent = new("ssm-agent");
    public static readonly StepName SendCommand = new("send-command");
    public static readonly StepName Collection = new("collection");
    public static readonly StepName ForensicChannel = new("forensic-channel");
    public static readonly StepName ForensicGroup = new("forensic-group");
    public static readonly StepName QuarantineProfileCheck = new("quarantine-profile-check");
    public static readonly StepName CloseForensicWindow = new("close-forensic-window");
    public static readonly StepName InstanceProfileRemoved = new("instance-profile-removed");
    public static readonly StepName MetadataEndpointDisabled = new("metadata-endpoint-disabled");
    public static readonly StepName ForensicConversionGroup = new("forensic-conversion-group");
    public static readonly StepName ForensicGroupRemoved = new("forensic-group-removed");
    public static readonly StepName WindowCredentialsDenied = new("window-credentials-denied");

    // Stop.
    public static readonly StepName Stop = new("stop");
    public static readonly StepName Hibernate = new("hibernate");

    // Release.
    public static readonly StepName Release = new("release");
    public static readonly StepName CheckTerminated = new("check-terminated");
    public static readonly StepName CheckState = new("check-state");
    public static readonly StepName LoadState = new("load-state");
    public static readonly StepName Forget = new("forget");
    public static readonly StepName RestoreGroups = new("restore-groups");
    public static readonly StepName RestoreConnectionTracking = new("restore-connection-tracking");
    public static readonly StepName RestoreMetadata = new("restore-metadata");
    public static readonly StepName RestoreTerminationProtection = new("restore-termination-protection");
    public static readonly StepName RestoreShutdownBehavior = new("restore-shutdown-behavior");
    public static readonly StepName RestoreInstanceProfile = new("restore-instance-profile");
    public static readonly StepName RestoreMembership = new("restore-membership");
    public static readonly StepName RestoreAutoScaling = new("restore-auto-scaling");
    public static readonly StepName RestoreScaleInProtection = new("restore-scale-in-protection");
    public static readonly StepName RestoreLoadBalancers = new("restore-load-balancers");
    public static readonly StepName RemoveTags = new("remove-tags");

    /// <summary>Every name, for checks that the vocabulary is closed and unambiguous.</summary>
    public static IReadOnlyList<StepName> All { get; } = [.. typeof(StepName)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(StepName))
        .Select(f => (StepName)f.GetValue(null)!)];
}
