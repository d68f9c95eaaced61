using System.Text.Json.Nodes;
using ThreatResponse.Testing;
using ThreatResponse.Testing.CloudFormation;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// The evidence bucket as SAM translates template.yaml and as CloudFormation creates it: locked in compliance
/// mode for the retention parameter, versioned, encrypted with its own rotating key, private, kept with its key and
/// policy when the stack goes, and a policy that lets nobody delete, write outside evidence/ or talk without TLS - and
/// still lets the stack update it.
/// </summary>
public sealed class EvidenceBucketTemplateTests
{
    private static readonly IReadOnlyDictionary<string, StackDeployment> Environments =
        SamConfig.Environments(Path.Combine(RepositoryRoot.Path, "samconfig.toml"));

    private static readonly StackDeployment Default = Environments["default"];

    [Fact]
    public async Task TranslatedTemplate_EvidenceBucket_ComplianceLockedVersionedKmsEncryptedPrivate()
    {
        var template = await SamTemplate.TranslatedAsync();
        var resources = template["Resources"]!;
        var bucket = resources["EvidenceBucket"]!;
        var properties = bucket["Properties"]!;

        Assert.Equal("AWS::S3::Bucket", bucket["Type"]!.GetValue<string>());
        Assert.True(properties["ObjectLockEnabled"]!.GetValue<bool>());
        var lockConfiguration = properties["ObjectLockConfiguration"]!;
        Assert.Equal("Enabled", lockConfiguration["ObjectLockEnabled"]!.GetValue<string>());
        var retention = lockConfiguration["Rule"]!["DefaultRetention"]!.AsObject();
        Assert.Equal("COMPLIANCE", retention["Mode"]!.GetValue<string>());
        Assert.Equal("EvidenceRetentionDays", retention["Days"]!["Ref"]!.GetValue<string>());
        Assert.False(retention.ContainsKey("Years"));
        var parameter = template["Parameters"]!["EvidenceRetentionDays"]!;
        Assert.Equal("Number", parameter["Type"]!.GetValue<string>());
        Assert.Equal("90", parameter["Default"]!.ToString());

        Assert.Equal("Enabled", properties["VersioningConfiguration"]!["Status"]!.GetValue<string>());

        var encryption = Assert.Single(properties["BucketEncryption"]!["ServerSideEncryptionConfiguration"]!.AsArray())!;
        Assert.Equal("aws:kms", encryption["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        Assert.Equal(["EvidenceKey", "Arn"], encryption["ServerSideEncryptionByDefault"]!["KMSMasterKeyID"]!["Fn::GetAtt"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.True(encryption["BucketKeyEnabled"]!.GetValue<bool>());
        var key = resources["EvidenceKey"]!;
        Assert.Equal("AWS::KMS::Key", key["Type"]!.GetValue<string>());
        Assert.True(key["Properties"]!["EnableKeyRotation"]!.GetValue<bool>());

        var publicAccess = properties["PublicAccessBlockConfiguration"]!.AsObject();
        Assert.Equal(["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], publicAccess.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(publicAccess, p => Assert.True(p.Value!.GetValue<bool>(), p.Key));
        Assert.Equal("BucketOwnerEnforced", Assert.Single(properties["OwnershipControls"]!["Rules"]!.AsArray())!["ObjectOwnership"]!.GetValue<string>());

        Assert.Equal("EvidenceBucket", template["Outputs"]!["EvidenceBucketName"]!["Value"]!["Ref"]!.GetValue<string>());
    }

    /// <summary>Deleting or replacing the stack leaves the evidence readable: the bucket, its policy and the only key that decrypts it stay.</summary>
    [Theory]
    [InlineData("EvidenceBucket")]
    [InlineData("EvidenceBucketPolicy")]
    [InlineData("EvidenceKey")]
    public async Task TranslatedTemplate_EvidenceResource_KeptWhenTheStackIsDeletedOrReplacesIt(string logicalId)
    {
        var resource = (await SamTemplate.TranslatedAsync())["Resources"]![logicalId]!;

        Assert.Equal("Retain", resource["DeletionPolicy"]?.GetValue<string>());
        Assert.Equal("Retain", resource["UpdateReplacePolicy"]?.GetValue<string>());
    }

    [Theory]
    [InlineData("90")]
    [InlineData("1")]
    [InlineData("3650")]
    public async Task Render_Retention_ReachesTheBucketsDefaultRetentionAndTheFunctions(string days)
    {
        var stack = await RenderAsync(Default.With("EvidenceRetentionDays", days));

        var bucket = stack.Resources["EvidenceBucket"].Properties;
        Assert.Equal(days, bucket["ObjectLockConfiguration"]!["Rule"]!["DefaultRetention"]!["Days"]!.GetValue<string>());

        // Encrypted with the stack's evidence key - the one the collecting functions may use - not the notification key.
        var bucketKey = bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["KMSMasterKeyID"]!.GetValue<string>();
        Assert.Matches($"^arn:aws:kms:{stack.Deployment.Region}:{stack.Deployment.Account}:key/[0-9a-f-]{{36}}$", bucketKey);
        Assert.Equal(KeyArn(stack), bucketKey);
        Assert.NotEqual(RoleStatement(stack, "CollectEvidenceAction", "UseStackKey")["Resource"]!.GetValue<string>(), bucketKey);
        foreach (var function in new[] { "GuardDutyResponder", "CollectEvidenceAction" })
        {
            var variables = stack.Resources[function].Properties["Environment"]!["Variables"]!;
            Assert.Equal(days, variables["EVIDENCE_RETENTION_DAYS"]!.GetValue<string>());
            Assert.Equal(BucketName(stack), variables["EVIDENCE_BUCKET_NAME"]!.GetValue<string>());
            Assert.Equal("ThreatResponse-CollectEvidence", variables["EVIDENCE_DOCUMENT_NAME"]!.GetValue<string>());
        }

        Assert.Matches("^threat-response-evidencebucket-[a-z0-9]{12}$", BucketName(stack));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("36501")]
    [InlineData("ninety")]
    public async Task Render_RetentionOutOfRange_IsRefused(string days)
    {
        var error = await Assert.ThrowsAsync<TemplateRenderException>(() => RenderAsync(Default.With("EvidenceRetentionDays", days)));

        Assert.Contains("EvidenceRetentionDays", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_BucketPolicy_TlsOnlyNoDeletesForAnyoneWritesOnlyUnderEvidence()
    {
        var stack = await RenderAsync(Default);
        var bucketArn = $"arn:aws:s3:::{BucketName(stack)}";
        var policy = stack.Resources["EvidenceBucketPolicy"].Properties;
        Assert.Equal(BucketName(stack), policy["Bucket"]!.GetValue<string>());
        var statements = policy["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList();

        // The policy grants nothing: every statement denies, to everyone.
        Assert.All(statements, s => Assert.Equal("Deny", s["Effect"]!.GetValue<string>()));
        Assert.All(statements, s => Assert.Equal("*", s["Principal"]!.GetValue<string>()));

        var tls = Assert.Single(statements, s => s["Condition"]?["Bool"]?["aws:SecureTransport"] is not null);
        Assert.Equal("false", tls["Condition"]!["Bool"]!["aws:SecureTransport"]!.GetValue<string>());
        Assert.Equal(["s3:*"], Strings(tls["Action"]));
        Assert.Equal([bucketArn, bucketArn + "/*"], Strings(tls["Resource"]));

        var deletes = Assert.Single(statements, s => Strings(s["Action"]).Contains("s3:DeleteObject"));
        Assert.Equal(["s3:DeleteObject", "s3:DeleteObjectVersion"], Strings(deletes["Action"]).Order(StringComparer.Ordinal));
        Assert.Equal([bucketArn + "/*"], Strings(deletes["Resource"]));
        Assert.Null(deletes["Condition"]); // for everyone, always: not even after the retention ends

        var outside = Assert.Single(statements, s => s["NotResource"] is not null);
        Assert.Equal(["s3:PutObject"], Strings(outside["Action"]));
        Assert.Equal([bucketArn + "/evidence/*"], Strings(outside["NotResource"]));
        Assert.Null(outside["Condition"]);

        // Another key or S3's own encryption cannot be asked for on upload.
        var keyArn = KeyArn(stack);
        Assert.Contains(statements, s => s["Condition"]?["StringNotEqualsIfExists"]?["s3:x-amz-server-side-encryption-aws-kms-key-id"]?.GetValue<string>() == keyArn);
        Assert.Contains(statements, s => s["Condition"]?["StringNotEqualsIfExists"]?["s3:x-amz-server-side-encryption"]?.GetValue<string>() == "aws:kms");

        // The stack (and the account's administrators) can still change the bucket and its policy: nothing denies
        // bucket-level actions except over plain HTTP.
        foreach (var statement in statements.Where(s => s["Condition"] is null))
        {
            Assert.DoesNotContain(Strings(statement["Action"]), a => a == "s3:*" || a.StartsWith("s3:PutBucket", StringComparison.Ordinal) || a.StartsWith("s3:DeleteBucket", StringComparison.Ordinal) || a == "s3:PutObjectLockConfiguration");
        }
    }

    [Fact]
    public async Task Render_EvidenceKey_AdministeredThroughIamUsedByThisStacksFunctionsOnlyThroughS3()
    {
        var stack = await RenderAsync(Default);
        var account = stack.Deployment.Account;
        var statements = stack.Resources["EvidenceKey"].Properties["KeyPolicy"]!["Statement"]!.AsArray().Select(s => s!.AsObject()).ToList();

        Assert.All(statements, s => Assert.Equal($"arn:aws:iam::{account}:root", s["Principal"]!["AWS"]!.GetValue<string>()));
        Assert.Single(statements, s => Strings(s["Action"]).SequenceEqual(["kms:*"]) && s["Condition"] is null);
        var use = Assert.Single(statements, s => s["Condition"] is not null);
        Assert.Equal(["kms:Decrypt", "kms:GenerateDataKey"], Strings(use["Action"]).Order(StringComparer.Ordinal));
        Assert.Equal($"s3.{stack.Deployment.Region}.amazonaws.com", use["Condition"]!["StringEquals"]!["kms:ViaService"]!.GetValue<string>());
        Assert.Equal($"arn:aws:iam::{account}:role/threat-response/{stack.Deployment.StackName}/*", use["Condition"]!["ArnLike"]!["aws:PrincipalArn"]!.GetValue<string>());
    }

    /// <summary>
    /// Only the two functions that may collect can reach the bucket, its key and Run Command - and only the evidence
    /// prefix, the evidence key and the evidence document of this account.
    /// </summary>
    [Fact]
    public async Task Render_FunctionRoles_EvidenceAccessOnlyForCollectorsAndOnlyToTheEvidence()
    {
        var stack = await RenderAsync(Default);
        var account = stack.Deployment.Account;
        var bucketArn = $"arn:aws:s3:::{BucketName(stack)}";
        var collectors = new SortedSet<string>(StringComparer.Ordinal);

        foreach (var role in stack.FunctionRoles())
        {
            var statements = role.Properties["Policies"]!.AsArray().SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray()).Select(s => s!.AsObject()).ToList();
            var function = role.LogicalId[..^"Role".Length];
            foreach (var statement in statements)
            {
                var actions = Strings(statement["Action"]);
                var resources = Strings(statement["Resource"]);
                if (actions.Any(a => a.StartsWith("s3:", StringComparison.Ordinal)))
                {
                    collectors.Add(function);
                    // The snapshot action only writes the list of the snapshots it took; the collectors also read the archive back.
                    Assert.Equal(function == "SnapshotInstanceAction" ? ["s3:PutObject"] : ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], actions.Order(StringComparer.Ordinal));
                    Assert.Equal([bucketArn + "/evidence/*"], resources);
                }

                if (actions.Contains("ssm:SendCommand"))
                {
                    Assert.Equal(["ssm:SendCommand"], actions);
                    Assert.Equal([$"arn:aws:ssm:*:{account}:document/ThreatResponse-CollectEvidence", $"arn:aws:ec2:*:{account}:instance/*"], resources);
                }

                if (resources.Contains(KeyArn(stack)))
                {
                    Assert.Equal(function == "SnapshotInstanceAction" ? ["kms:GenerateDataKey"] : ["kms:Decrypt", "kms:GenerateDataKey"], actions.Order(StringComparer.Ordinal));
                }
            }
        }

        Assert.Equal(["CollectEvidenceAction", "GuardDutyResponder", "SnapshotInstanceAction"], collectors);
    }

    [Fact]
    public async Task Render_SamconfigEnvironments_HaveDistinctEvidenceDocumentAndQuarantineProfileNames()
    {
        var names = new List<string>();
        var profiles = new List<string>();
        foreach (var deployment in Environments.Values)
        {
            var stack = await RenderAsync(deployment);
            names.Add(stack.Resources["EvidenceDocument"].Properties["Name"]!.GetValue<string>());
            profiles.Add(stack.Resources["QuarantineInstanceProfile"].Properties["InstanceProfileName"]!.GetValue<string>());
        }

        // Document names are unique per account and Region, role and profile names per account, and the environments may share both.
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(profiles.Count, profiles.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Render_CreateEvidenceDocumentFalse_NoDocumentAndTheFunctionsStillNameIt()
    {
        var stack = await RenderAsync(Default.With("CreateEvidenceDocument", "false"));

        Assert.DoesNotContain("EvidenceDocument", stack.Resources.Keys);
        Assert.Contains("EvidenceBucket", stack.Resources.Keys);
        Assert.Equal("ThreatResponse-CollectEvidence", stack.Resources["CollectEvidenceAction"].Properties["Environment"]!["Variables"]!["EVIDENCE_DOCUMENT_NAME"]!.GetValue<string>());
    }

    [Fact]
    public async Task Render_CustomActionsDisabled_TheResponderStillCollectsIntoTheBucket()
    {
        var stack = await RenderAsync(Default.With("EnableCustomActions", "false"));

        Assert.DoesNotContain("CollectEvidenceAction", stack.Resources.Keys);
        Assert.DoesNotContain("CollectActionTarget", stack.Resources.Keys);
        Assert.Equal(BucketName(stack), stack.Resources["GuardDutyResponder"].Properties["Environment"]!["Variables"]!["EVIDENCE_BUCKET_NAME"]!.GetValue<string>());
    }

    private static async Task<RenderedTemplate> RenderAsync(StackDeployment deployment) =>
        CloudFormationRenderer.Render(await SamTemplate.TranslatedAsync(), deployment);

    /// <summary>The bucket's name as the stack outputs it.</summary>
    private static string BucketName(RenderedTemplate stack) => stack.Outputs["EvidenceBucketName"]!.GetValue<string>();

    /// <summary>The evidence key's ARN as the collecting function's role names it.</summary>
    private static string KeyArn(RenderedTemplate stack) => RoleStatement(stack, "CollectEvidenceAction", "UseEvidenceKey")["Resource"]!.GetValue<string>();

    private static JsonObject RoleStatement(RenderedTemplate stack, string function, string sid) =>
        stack.Resources[function + "Role"].Properties["Policies"]!.AsArray().SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray())
            .Single(s => s!["Sid"]?.GetValue<string>() == sid)!.AsObject();

    private static List<string> Strings(JsonNode? node) => node switch
    {
        null => [],
        JsonArray list => [.. list.Select(n => n!.GetValue<string>())],
        _ => [node.GetValue<string>()],
    };
}
