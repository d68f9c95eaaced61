using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Findings;

/// <summary>
/// A finding normalized from either GuardDuty's format or ASFF: what the rest of the pipeline decides and acts on.
/// </summary>
/// <param name="Id">The id Security Hub knows the finding by (for GuardDuty: the finding ARN).</param>
/// <param name="ProductArn">With <paramref name="Id"/>, addresses the finding in <c>BatchUpdateFindings</c>.</param>
/// <param name="Type">
/// GuardDuty's finding type (<c>Backdoor:EC2/C&amp;CActivity.B!DNS</c>), also for GuardDuty findings relayed in ASFF;
/// for other ASFF findings the first entry of <c>Types</c>.
/// </param>
/// <param name="Account">The account the finding is about — not the event's, which is the delegated administrator's in multi-account setups.</param>
/// <param name="Region">The Region the finding is about.</param>
/// <param name="Partition">The AWS partition (aws, aws-cn, aws-us-gov, ...), kept for building ARNs.</param>
/// <param name="ResourceRole">ACTOR or TARGET when the finding says; null otherwise.</param>
/// <param name="Sample">True for GuardDuty sample findings, which must never trigger containment.</param>
/// <param name="Instances">The EC2 instances the finding names; empty when it names none.</param>
public sealed record Finding(
    string Id,
    string ProductArn,
    FindingSource Source,
    string Type,
    Severity Severity,
    string Account,
    string Region,
    [property: JsonIgnore] string Partition,
    ResourceRole? ResourceRole,
    bool Sample,
    IReadOnlyList<InstanceReference> Instances)
{
    /// <summary>Tags of the named instances as the finding reports them, by instance id (for playbook rules on tags).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> InstanceTags { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The new Security Hub's id of the finding (OCSF <c>metadata.uid</c>, what <c>BatchUpdateFindingsV2</c> addresses); null for other formats.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MetadataUid { get; init; }

    /// <summary>For a GuardDuty attack sequence: its signals and size; null for every other finding.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AttackSequence? Sequence { get; init; }
}
