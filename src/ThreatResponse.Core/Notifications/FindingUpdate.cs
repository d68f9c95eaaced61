namespace ThreatResponse.Core.Notifications;

/// <summary>What to write on one finding in Security Hub.</summary>
/// <param name="Region">The Security Hub Region to call (where the event came from: the finding is visible there).</param>
/// <param name="WorkflowStatus">NEW, NOTIFIED, RESOLVED or SUPPRESSED; null leaves it as it is.</param>
/// <param name="Note">At most 512 characters.</param>
public sealed record FindingUpdate(
    string Id,
    string ProductArn,
    string Region,
    string Note,
    string? WorkflowStatus,
    IReadOnlyDictionary<string, string> UserDefinedFields)
{
    /// <summary>
    /// The new Security Hub's id of the finding (OCSF <c>metadata.uid</c>) when it came as a <c>Findings Imported V2</c>
    /// event: it is updated with <c>BatchUpdateFindingsV2</c>, which has a comment and a status but no user-defined fields.
    /// </summary>
    public string? MetadataUid { get; init; }
}

/// <summary>A finding Security Hub did not update, with its reason.</summary>
/// <param name="WorthRetrying">Whether a later attempt may succeed: decided by the adapter, which knows the service's error codes.</param>
public sealed record UnprocessedFinding(string Id, string ProductArn, string ErrorCode, string ErrorMessage, bool WorthRetrying);

/// <summary>The result of updating findings: how many were updated, and which were not (after retries) and why.</summary>
public sealed record FindingUpdateResult(int Processed, IReadOnlyList<UnprocessedFinding> Unprocessed);
