using System.Text.Json;
using ThreatResponse.Core.Containment.Evidence;
using ThreatResponse.Core.Findings;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Containment.Evidence;

/// <summary>
/// Which VPC endpoint policies open the forensic window: the shipped snippet's, filled in, do; the default (full access)
/// policy and anything this cannot read as confining do not.
/// </summary>
public sealed class ForensicEndpointPolicyTests
{
    private const string Bucket = "threat-response-evidence";
    private const string Account = "111122223333";
    private const string Organization = "o-a1b2c3d4e5";

    /// <summary>What DescribeVpcEndpoints gives for an endpoint created without a policy.</summary>
    private const string FullAccess = """{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}""";

    public static TheoryData<string, string, string> Shipped() => new()
    {
        { "S3Endpoint", "EvidenceBucketOnly", "s3" },
        { "S3Endpoint", "OrganizationResources", "s3" },
        { "SystemsManagerEndpoints", "AccountPrincipals", "ssm" },
        { "SystemsManagerEndpoints", "AccountPrincipals", "ssmmessages" },
        { "SystemsManagerEndpoints", "AccountPrincipals", "ec2messages" },
        { "SystemsManagerEndpoints", "OrganizationPrincipals", "ssm" },
    };

    [Theory]
    [MemberData(nameof(Shipped))]
    public void ProblemOf_TheShippedSnippetFilledIn_None(string group, string variant, string service) =>
        Assert.Null(ForensicEndpointPolicy.ProblemOf(service, Snippet(group, variant), new WindowConfinement("us-east-1", Bucket, Account, Organization)));

    [Fact]
    public void ProblemOf_TheShippedSnippetsOrganisationVariantsWithoutAConfiguredOrganisation_Refused()
    {
        Assert.NotNull(ForensicEndpointPolicy.ProblemOf("s3", Snippet("S3Endpoint", "OrganizationResources"), new WindowConfinement("us-east-1", Bucket, Account, null)));
        Assert.NotNull(ForensicEndpointPolicy.ProblemOf("ssm", Snippet("SystemsManagerEndpoints", "OrganizationPrincipals"), new WindowConfinement("us-east-1", Bucket, Account, null)));
    }

    [Fact]
    public void SnippetNamesEveryServiceTheWindowGoesThrough()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, ForensicEndpointPolicy.Template)));
        Assert.Equal(["ssm", "ssmmessages", "ec2messages"], json.RootElement.GetProperty("SystemsManagerEndpoints").GetProperty("ServicesThisAppliesTo").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("ssm")]
    [InlineData("ssmmessages")]
    [InlineData("ec2messages")]
    public void ProblemOf_TheDefaultFullAccessPolicyOrNone_Refused(string service)
    {
        Assert.NotNull(ForensicEndpointPolicy.ProblemOf(service, FullAccess, new WindowConfinement("us-east-1", Bucket, Account, Organization)));
        Assert.Contains("no policy", ForensicEndpointPolicy.ProblemOf(service, null, new WindowConfinement("us-east-1", Bucket, Account, Organization)), StringComparison.Ordinal);
    }

    [Theory]
    // Another bucket, or every bucket whose name starts like ours.
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::attacker-bucket/*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::threat-response-evidence*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":["arn:aws:s3:::threat-response-evidence/*","*"]}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","NotResource":"arn:aws:s3:::other/*"}]}""")]
    // An organisation condition that holds without the key, or names another organisation too.
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceOrgID":"o-a1b2c3d4e5"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceOrgID":["o-a1b2c3d4e5","o-attacker0001"]}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:ResourceOrgID":"o-*"}}}]}""")]
    // A confined statement next to an open one.
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:s3:::threat-response-evidence/*"},{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}""")]
    [InlineData("""not json""")]
    public void ProblemOf_S3NotConfinedToTheBucketOrOrganisation_Refused(string policy) =>
        Assert.NotNull(ForensicEndpointPolicy.ProblemOf("s3", policy, new WindowConfinement("us-east-1", Bucket, Account, Organization)));

    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"444455556666"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":["111122223333","444455556666"]}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"444455556666"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-attacker0001"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceAccount":"111122223333"}}}]}""")]
    public void ProblemOf_SystemsManagerNotConfinedToTheAccountOrOrganisation_Refused(string policy) =>
        Assert.NotNull(ForensicEndpointPolicy.ProblemOf("ssmmessages", policy, new WindowConfinement("us-east-1", Bucket, Account, Organization)));

    [Theory]
    [InlineData("s3", """{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::threat-response-evidence/evidence/*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}""")]
    [InlineData("ssm", """{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"AWS:PrincipalAccount":"111122223333"},"Bool":{"aws:SecureTransport":"true"}}}]}""")]
    public void ProblemOf_NarrowerStillOrDenies_None(string service, string policy) =>
        Assert.Null(ForensicEndpointPolicy.ProblemOf(service, policy, new WindowConfinement("us-east-1", Bucket, Account, Organization)));

    [Fact]
    public void WindowClosedPolicy_DeniesThisInstancesSessionsIssuedBeforeTheCutOff()
    {
        var instance = new InstanceReference(InstanceId.Parse("i-0123456789abcdef0"), "111122223333", "eu-west-1");
        var document = ForensicWindowClosedPolicy.Document(instance, new DateTimeOffset(2026, 12, 8, 2, 0, 1, TimeSpan.Zero));

        using var json = JsonDocument.Parse(document);
        var statement = Assert.Single(json.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal("Deny", statement.GetProperty("Effect").GetString());
        Assert.Equal("*", statement.GetProperty("Action").GetString());
        Assert.Equal("arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0", statement.GetProperty("Condition").GetProperty("StringEquals").GetProperty("ec2:SourceInstanceARN").GetString());
        Assert.Equal("2026-12-08T02:00:01Z", statement.GetProperty("Condition").GetProperty("DateLessThan").GetProperty("aws:TokenIssueTime").GetString());
        Assert.True(ForensicWindowClosedPolicy.IsDenyOnly(document));
        Assert.False(ForensicWindowClosedPolicy.IsDenyOnly("""{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"""));
        Assert.Equal("ThreatResponse-WindowClosed-i-0123456789abcdef0", ForensicWindowClosedPolicy.NameFor(instance));
    }

    private static string Snippet(string group, string variant)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, ForensicEndpointPolicy.Template)));
        return json.RootElement.GetProperty(group).GetProperty(variant).GetRawText()
            .Replace("${Partition}", "aws", StringComparison.Ordinal)
            .Replace("${EvidenceBucket}", Bucket, StringComparison.Ordinal)
            .Replace("${AccountId}", Account, StringComparison.Ordinal)
            .Replace("${OrganizationId}", Organization, StringComparison.Ordinal);
    }
}
