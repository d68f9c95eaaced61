using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Volatile-evidence collection through Systems Manager (in the instance's account, through the member role) into the
/// evidence bucket (in the security account, ours): the agent's state, the Run Command and its status, the upload URL
/// for one object key, and what the bucket holds under that key.
/// </summary>
public interface IEvidenceCollector
{
    /// <summary>The instance's SSM agent as Systems Manager sees it (<c>DescribeInstanceInformation</c>).</summary>
    Task<SsmAgent> DescribeAgentAsync(InstanceReference instance, string findingKey, CancellationToken cancellationToken);

    /// <summary>A pre-signed PUT URL for exactly <paramref name="objectKey"/>, valid for <paramref name="validFor"/>.</summary>
    Task<Uri> CreateUploadUrlAsync(string objectKey, TimeSpan validFor, CancellationToken cancellationToken);

    /// <summary>
    /// The document of that name in the instance's account and Region, its default version (<c>DescribeDocument</c>,
    /// then <c>GetDocument</c> of the version described); null when there is none.
    /// </summary>
    Task<EvidenceDocument?> DescribeDocumentAsync(InstanceReference instance, string findingKey, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Sends the collection document to the instance (<c>SendCommand</c>), pinned to the command's version and hash;
    /// returns the command id.
    /// </summary>
    Task<string> SendCollectionAsync(InstanceReference instance, string findingKey, CollectionCommand command, CancellationToken cancellationToken);

    /// <summary>The command's status on the instance (<c>GetCommandInvocation</c>); null while Systems Manager has not registered it.</summary>
    Task<CollectionStatus?> GetStatusAsync(InstanceReference instance, string findingKey, string commandId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a record of the case that the function itself knows (the snapshots it took) under <paramref name="objectKey"/>,
    /// with a SHA-256 checksum S3 verifies (Object Lock requires one); returns it as stored (the SHA-256 of the bytes written).
    /// </summary>
    Task<StoredEvidence> StoreRecordAsync(string objectKey, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>What the bucket holds under the key, with the SHA-256 of its bytes as read back; null when nothing is there.</summary>
    Task<StoredEvidence?> ReadBackAsync(string objectKey, CancellationToken cancellationToken);
}

/// <param name="Managed">The instance is registered with Systems Manager.</param>
/// <param name="Online">Its agent answered recently (<c>PingStatus</c> Online).</param>
/// <param name="Platform">Linux, Windows or MacOS; null when unknown.</param>
public sealed record SsmAgent(bool Managed, bool Online, string? Platform);

/// <param name="DocumentName">The SSM document that runs the collection script (deployed by templates/member-role.yaml).</param>
/// <param name="UploadUrl">Where the archive goes: a pre-signed PUT URL for one object key.</param>
/// <param name="MaxBytes">The archive's size cap.</param>
/// <param name="Timeout">The command's execution timeout.</param>
/// <param name="Label">What the archive is for, written into its manifest.</param>
/// <param name="DocumentVersion">The exact version whose content was checked (<see cref="ShippedEvidenceDocument.Refusal"/>).</param>
/// <param name="DocumentSha256">Systems Manager's SHA-256 of that version: it refuses the command if the version's hash differs.</param>
public sealed record CollectionCommand(string DocumentName, Uri UploadUrl, long MaxBytes, TimeSpan Timeout, string Label, string DocumentVersion, string DocumentSha256);

/// <param name="Status">Systems Manager's status: Pending, InProgress, Delayed, Success, Cancelled, TimedOut, Failed, ...</param>
/// <param name="Output">The script's standard output (key=value lines on success, <c>error=…</c> otherwise).</param>
public sealed record CollectionStatus(string Status, int? ExitCode, string Output)
{
    public bool IsFinished => Status is not ("Pending" or "InProgress" or "Delayed" or "Cancelling");

    public bool Succeeded => Status == "Success";

    /// <summary>A value the script printed as <c>name=value</c>; null when it did not.</summary>
    public string? Reported(string name) =>
        Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];
}

/// <param name="Sha256">Lowercase hex SHA-256 of the stored bytes, computed from the object as read back.</param>
/// <param name="RetainUntil">Object Lock's retain-until date; null when the bucket set none.</param>
public sealed record StoredEvidence(string Bucket, string Key, long Bytes, string Sha256, string? VersionId, DateTimeOffset? RetainUntil);
