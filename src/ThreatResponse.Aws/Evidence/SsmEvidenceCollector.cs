using System.Collections.Concurrent;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using ThreatResponse.Aws.Accounts;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Aws.Evidence;

/// <summary>
/// <see cref="IEvidenceCollector"/> on Systems Manager (per account and Region, with the account's credentials: the
/// member role's in member accounts) and on the evidence bucket (<c>EVIDENCE_BUCKET_NAME</c>, with the function's own
/// credentials: the instance gets only a URL for one key, never a permission).
/// </summary>
public sealed class SsmEvidenceCollector : IEvidenceCollector, IDisposable
{
    private readonly AwsEnvironment _environment;
    private readonly MemberAccountCredentials _accounts;
    private readonly AmazonS3Client _s3;
    private readonly string _bucket;
    private readonly ConcurrentDictionary<(AwsScope Scope, string? Session), AmazonSimpleSystemsManagementClient> _ssm = new();

    /// <param name="ownCredentials">The function's credentials; null: the SDK's default chain.</param>
    public SsmEvidenceCollector(AwsEnvironment environment, MemberAccountCredentials accounts, Amazon.Runtime.AWSCredentials? ownCredentials, string bucket)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
        _accounts = accounts;
        _bucket = bucket;
        var config = SdkClientSettings.Apply(new AmazonS3Config(), environment, "S3", null);
        config.ForcePathStyle = environment.EndpointFor("S3") is not null; // an emulator serves buckets by path
        _s3 = ownCredentials is null ? new AmazonS3Client(config) : new AmazonS3Client(ownCredentials, config);
    }

    public async Task<SsmAgent> DescribeAgentAsync(InstanceReference instance, string findingKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var response = await SdkCall.RunAsync("DescribeInstanceInformation", () => Ssm(instance, findingKey).DescribeInstanceInformationAsync(new DescribeInstanceInformationRequest
        {
            Filters = [new InstanceInformationStringFilter { Key = "InstanceIds", Values = [instance.InstanceId.Value] }],
        }, cancellationToken));
        var information = response.InstanceInformationList?.FirstOrDefault(i => i.InstanceId == instance.InstanceId.Value);
        return information is null
            ? new SsmAgent(false, false, null)
            : new SsmAgent(true, information.PingStatus == PingStatus.Online, information.PlatformType?.Value);
    }

    public async Task<Uri> CreateUploadUrlAsync(string objectKey, TimeSpan validFor, CancellationToken cancellationToken)
    {
        var endpoint = _environment.EndpointFor("S3");
        var url = await _s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            Verb = HttpVerb.PUT,
            ContentType = "application/gzip",
            Expires = DateTime.UtcNow + validFor,
            Protocol = endpoint is not null && endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? Protocol.HTTP : Protocol.HTTPS,
        });
        return new Uri(url);
    }

    public async Task<EvidenceDocument?> DescribeDocumentAsync(InstanceReference instance, string findingKey, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var ssm = Ssm(instance, findingKey);
        DescribeDocumentResponse described;
        try
        {
            // Without a version: the default version, the one SendCommand by name alone would run.
            described = await SdkCall.RunAsync("DescribeDocument", () => ssm.DescribeDocumentAsync(new DescribeDocumentRequest { Name = name }, cancellationToken));
        }
        catch (AwsOperationException e) when (e.ErrorCode == "InvalidDocument")
        {
            return null;
        }

        var description = described.Document;
        // The content of exactly the version described, in the format it is stored in (no conversion by Systems Manager).
        var content = await SdkCall.RunAsync("GetDocument", () => ssm.GetDocumentAsync(new GetDocumentRequest
        {
            Name = name,
            DocumentVersion = description.DocumentVersion,
        }, cancellationToken));
        return new EvidenceDocument(name, description.Owner, description.DocumentVersion, description.DocumentType?.Value, description.Hash, description.HashType?.Value, content.Content ?? string.Empty);
    }

    public async Task<string> SendCollectionAsync(InstanceReference instance, string findingKey, CollectionCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(command);
        var response = await SdkCall.RunAsync("SendCommand", () => Ssm(instance, findingKey).SendCommandAsync(new SendCommandRequest
        {
            DocumentName = command.DocumentName,
            // Exactly the version whose content was checked, and Systems Manager's own hash of it: a version's content
            // never changes, and Systems Manager refuses the command when the version's hash is not this one.
            DocumentVersion = command.DocumentVersion,
            DocumentHash = command.DocumentSha256,
            DocumentHashType = DocumentHashType.Sha256,
            InstanceIds = [instance.InstanceId.Value],
            Comment = $"ThreatResponse evidence collection {command.Label}"[..Math.Min(100, 37 + command.Label.Length)],
            Parameters = new Dictionary<string, List<string>>
            {
                ["uploadUrl"] = [command.UploadUrl.AbsoluteUri],
                ["maxBytes"] = [command.MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                ["label"] = [command.Label],
                ["executionTimeout"] = [((int)command.Timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            },
            // How long Systems Manager tries to deliver it to an agent that is not answering.
            TimeoutSeconds = 60,
        }, cancellationToken));
        return response.Command.CommandId;
    }

    public async Task<CollectionStatus?> GetStatusAsync(InstanceReference instance, string findingKey, string commandId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            var invocation = await SdkCall.RunAsync("GetCommandInvocation", () => Ssm(instance, findingKey).GetCommandInvocationAsync(new GetCommandInvocationRequest
            {
                CommandId = commandId,
                InstanceId = instance.InstanceId.Value,
            }, cancellationToken));
            return new CollectionStatus(invocation.Status?.Value ?? "Unknown", invocation.ResponseCode, invocation.StandardOutputContent ?? string.Empty);
        }
        catch (AwsOperationException e) when (e.ErrorCode == "InvocationDoesNotExist")
        {
            return null; // registered a moment after SendCommand returns
        }
    }

    public async Task<StoredEvidence> StoreRecordAsync(string objectKey, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var bytes = content.ToArray();
        using var body = new MemoryStream(bytes, writable: false);
        var response = await SdkCall.RunAsync("PutObject", () => _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            InputStream = body,
            ContentType = "application/json",
            // The bucket's default Object Lock retention makes S3 require an integrity checksum on every write; S3 checks
            // the SHA-256 the SDK sends against the bytes it receives.
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        }, cancellationToken));
        // S3's answer to a put carries no retention date: the bucket's default applies.
        return new StoredEvidence(_bucket, objectKey, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), response.VersionId, null);
    }

    public async Task<StoredEvidence?> ReadBackAsync(string objectKey, CancellationToken cancellationToken)
    {
        try
        {
            using var stored = await SdkCall.RunAsync("GetObject", () => _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = objectKey }, cancellationToken));
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            long bytes = 0;
            int read;
            while ((read = await stored.ResponseStream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
                bytes += read;
            }

            return new StoredEvidence(_bucket, objectKey, bytes, Convert.ToHexStringLower(sha256.GetHashAndReset()), stored.VersionId,
                stored.ObjectLockRetainUntilDate is { } until ? new DateTimeOffset(DateTime.SpecifyKind(until, DateTimeKind.Utc)) : null);
        }
        catch (AwsOperationException e) when (e.ErrorCode is "NoSuchKey" or "NotFound" or "AccessDenied")
        {
            // Without s3:ListBucket (not granted: the functions need no listing), S3 answers a missing key with AccessDenied.
            return null;
        }
    }

    private AmazonSimpleSystemsManagementClient Ssm(InstanceReference instance, string findingKey)
    {
        var scope = AwsScope.Of(instance);
        var session = _accounts.IsKnownHome(instance.Account) ? null : findingKey;
        return _ssm.GetOrAdd((scope, session), key => new AmazonSimpleSystemsManagementClient(
            _accounts.For(key.Scope.Account, key.Session),
            SdkClientSettings.Apply(new AmazonSimpleSystemsManagementConfig(), _environment, "SSM", key.Scope.Region)));
    }

    public void Dispose()
    {
        _s3.Dispose();
        foreach (var client in _ssm.Values)
        {
            client.Dispose();
        }
    }
}
