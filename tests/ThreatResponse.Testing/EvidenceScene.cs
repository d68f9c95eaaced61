using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Testing;

/// <summary>The evidence bucket as moto can hold it, and the collection script run on this machine as an instance would run it.</summary>
public static class EvidenceScene
{
    public static string Script => Path.Combine(RepositoryRoot.Path, "evidence", "collect-evidence.sh");

    /// <summary>
    /// The bucket as template.yaml makes it, as far as moto models it: Object Lock with a default retention, under which
    /// S3 (and moto) take an upload only with Content-MD5 or a checksum.
    /// </summary>
    public static async Task CreateBucketAsync(IAmazonS3 s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = true });
        await s3.PutObjectLockConfigurationAsync(new PutObjectLockConfigurationRequest
        {
            BucketName = bucket,
            ObjectLockConfiguration = new ObjectLockConfiguration
            {
                ObjectLockEnabled = ObjectLockEnabled.Enabled,
                Rule = new ObjectLockRule { DefaultRetention = new DefaultRetention { Mode = ObjectLockRetentionMode.Compliance, Days = 1 } },
            },
        });
    }

    /// <summary>
    /// The evidence document as templates/member-role.yaml ships it, created in the account (moto: the access key's) and
    /// Region. Its text is laid out as CloudFormation might serialise it (indented), not in the canonical form the
    /// functions compare. Returns its name.
    /// </summary>
    public static async Task<string> CreateDocumentAsync(MotoServerFixture moto, string region = MotoServerFixture.DefaultRegion, string accessKeyId = "testing")
    {
        ArgumentNullException.ThrowIfNull(moto);
        var document = (await SamTemplate.ReadAsync("templates/member-role.yaml"))["Resources"]!["EvidenceDocument"]!["Properties"]!;
        var name = document["Name"]!["Ref"]!.GetValue<string>() == "EvidenceDocumentName" ? "ThreatResponse-CollectEvidence" : throw new InvalidOperationException("the document's name is not the EvidenceDocumentName parameter");
        using var ssm = new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient(
            new Amazon.Runtime.BasicAWSCredentials(accessKeyId, "testing"), moto.Configure(new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementConfig(), region));
        await ssm.CreateDocumentAsync(new Amazon.SimpleSystemsManagement.Model.CreateDocumentRequest
        {
            Name = name,
            DocumentType = Amazon.SimpleSystemsManagement.DocumentType.Command,
            DocumentFormat = Amazon.SimpleSystemsManagement.DocumentFormat.JSON,
            Content = document["Content"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }),
        });
        return name;
    }

    /// <summary>
    /// The quarantine instance profile as templates/member-role.yaml makes it: a role of the same name at
    /// <c>/threat-response/</c> holding the template's own <c>ssm-agent-only</c> policy. Returns the profile's ARN.
    /// </summary>
    public static async Task<string> CreateQuarantineProfileAsync(MotoServerFixture moto, string accessKeyId = "testing")
    {
        const string Name = "ThreatResponse-Quarantine";
        var policy = (await SamTemplate.ReadAsync("templates/member-role.yaml"))["Resources"]!["QuarantineRole"]!["Properties"]!["Policies"]![0]!;
        var profile = await MotoIam.CreateInstanceProfileAsync(moto, Name, "/threat-response/", accessKeyId);
        await MotoIam.PutRolePolicyAsync(moto, Name, policy["PolicyName"]!.GetValue<string>(), policy["PolicyDocument"]!.ToJsonString(), accessKeyId);
        return profile;
    }

    /// <summary>
    /// The policies templates/forensic-endpoint-policies.json ships, for the evidence bucket <paramref name="bucket"/> and
    /// the account <paramref name="account"/>: S3 confined to the bucket, Systems Manager to the account's principals.
    /// </summary>
    public static (string S3, string SystemsManager) ShippedEndpointPolicies(string bucket, string account, string? organizationId = null)
    {
        using var template = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "templates", "forensic-endpoint-policies.json")));
        string Filled(System.Text.Json.JsonElement policy) => policy.GetRawText()
            .Replace("${Partition}", "aws", StringComparison.Ordinal)
            .Replace("${EvidenceBucket}", bucket, StringComparison.Ordinal)
            .Replace("${AccountId}", account, StringComparison.Ordinal)
            .Replace("${OrganizationId}", organizationId ?? "${OrganizationId}", StringComparison.Ordinal);
        var root = template.RootElement;
        return organizationId is null
            ? (Filled(root.GetProperty("S3Endpoint").GetProperty("EvidenceBucketOnly")), Filled(root.GetProperty("SystemsManagerEndpoints").GetProperty("AccountPrincipals")))
            : (Filled(root.GetProperty("S3Endpoint").GetProperty("OrganizationResources")), Filled(root.GetProperty("SystemsManagerEndpoints").GetProperty("OrganizationPrincipals")));
    }

    /// <summary>
    /// A VPC's forensic channel as a platform team builds it: interface endpoints with private DNS for ssm, ssmmessages
    /// and ec2messages in the subnet, and an S3 gateway endpoint on the VPC's route table. Returns the endpoints' ENIs.
    /// </summary>
    /// <param name="s3RouteTableId">The route table the S3 gateway endpoint goes on; null: the subnet's own (its association, else the VPC's main).</param>
    /// <param name="policies">The endpoints' policies; null: those shipped (<see cref="ShippedEndpointPolicies"/>) for the tests' evidence bucket and <paramref name="account"/>; ("", ""): none (the default, full access).</param>
    public static async Task<IReadOnlyList<string>> CreateForensicEndpointsAsync(Amazon.EC2.IAmazonEC2 ec2, string vpcId, string subnetId, string region = "us-east-1", string? s3RouteTableId = null, string account = "123456789012", (string S3, string SystemsManager)? policies = null)
    {
        var (s3Policy, agentPolicy) = policies ?? ShippedEndpointPolicies("threat-response-evidence", account);
        ArgumentNullException.ThrowIfNull(ec2);
        var endpointGroup = (await ec2.CreateSecurityGroupAsync(new Amazon.EC2.Model.CreateSecurityGroupRequest { GroupName = "endpoints", Description = "interface endpoints", VpcId = vpcId })).GroupId;
        var enis = new List<string>();
        foreach (var service in new[] { "ssm", "ssmmessages", "ec2messages" })
        {
            var endpoint = await ec2.CreateVpcEndpointAsync(new Amazon.EC2.Model.CreateVpcEndpointRequest
            {
                VpcId = vpcId,
                ServiceName = $"com.amazonaws.{region}.{service}",
                VpcEndpointType = Amazon.EC2.VpcEndpointType.Interface,
                SubnetIds = [subnetId],
                SecurityGroupIds = [endpointGroup],
                PrivateDnsEnabled = true,
                PolicyDocument = agentPolicy.Length == 0 ? null : agentPolicy,
            });
            enis.AddRange(endpoint.VpcEndpoint.NetworkInterfaceIds);
        }

        var routeTable = s3RouteTableId
            ?? (await ec2.DescribeRouteTablesAsync(new Amazon.EC2.Model.DescribeRouteTablesRequest { Filters = [new Amazon.EC2.Model.Filter("association.subnet-id", [subnetId])] })).RouteTables?.FirstOrDefault()?.RouteTableId
            ?? (await ec2.DescribeRouteTablesAsync(new Amazon.EC2.Model.DescribeRouteTablesRequest { Filters = [new Amazon.EC2.Model.Filter("vpc-id", [vpcId]), new Amazon.EC2.Model.Filter("association.main", ["true"])] })).RouteTables[0].RouteTableId;
        await ec2.CreateVpcEndpointAsync(new Amazon.EC2.Model.CreateVpcEndpointRequest
        {
            VpcId = vpcId,
            ServiceName = $"com.amazonaws.{region}.s3",
            VpcEndpointType = Amazon.EC2.VpcEndpointType.Gateway,
            RouteTableIds = [routeTable],
            PolicyDocument = s3Policy.Length == 0 ? null : s3Policy,
        });
        return enis;
    }

    /// <summary>Runs <c>collect-evidence.sh</c> with its four arguments; its exit code and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunScriptAsync(string url, string maxBytes, string label, string writableDirectories)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Script, url, maxBytes, label, writableDirectories })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
