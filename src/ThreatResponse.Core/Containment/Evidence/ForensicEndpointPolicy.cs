using System.Text.Json;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// Whether a VPC endpoint's policy confines what an isolated instance can do through it while the forensic window is
/// open. The S3 endpoints (a gateway endpoint crosses no network ACL) must allow only the evidence bucket — or only the
/// organisation's resources (<c>aws:ResourceOrgID</c>); the Systems Manager endpoints only the instance's account's
/// principals (<c>aws:PrincipalAccount</c>) or the organisation's (<c>aws:PrincipalOrgID</c>). A default (full access)
/// policy lets the host write to any bucket in any account, and the agent's channel accept the attacker's own
/// credentials: then the window does not open. Read strictly: anything this does not recognise as confining refuses.
/// templates/forensic-endpoint-policies.json holds policies that pass.
/// </summary>
public static class ForensicEndpointPolicy
{
    /// <summary>Where the operator finds the policies to apply, named in every refusal.</summary>
    public const string Template = "templates/forensic-endpoint-policies.json";

    /// <summary>
    /// What is wrong with <paramref name="document"/> for an endpoint of <paramref name="service"/> (<c>s3</c>,
    /// <c>ssm</c>, <c>ssmmessages</c>, <c>ec2messages</c>); null when it confines the window.
    /// </summary>
    public static string? ProblemOf(string service, string? document, WindowConfinement confinement)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(confinement);
        var (region, bucket, account, organizationId) = confinement;
        if (string.IsNullOrWhiteSpace(document))
        {
            return "it has no policy (full access)";
        }

        var s3 = service == "s3";
        try
        {
            using var json = JsonDocument.Parse(document);
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("Statement", out var statements))
            {
                return "its policy has no Statement";
            }

            foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray() : Enumerable.Repeat(statements, 1))
            {
                if (statement.ValueKind != JsonValueKind.Object)
                {
                    return "its policy has a statement that is not an object";
                }

                var effect = statement.TryGetProperty("Effect", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                if (effect == "Deny")
                {
                    continue; // a Deny only takes away
                }

                if (effect != "Allow")
                {
                    return $"its policy has a statement with Effect {effect ?? "(none)"}";
                }

                if (statement.TryGetProperty("NotResource", out _) || statement.TryGetProperty("NotAction", out _) || statement.TryGetProperty("NotPrincipal", out _))
                {
                    return "an Allow statement of its policy uses NotResource, NotAction or NotPrincipal";
                }

                var problem = s3
                    ? (ConditionIs(statement, "aws:ResourceOrgID", organizationId) ? null : BucketOnly(statement, AwsPartition.OfRegion(region), bucket))
                    : ConditionIs(statement, "aws:PrincipalAccount", account) || ConditionIs(statement, "aws:PrincipalOrgID", organizationId)
                        ? null
                        : $"an Allow statement of its policy is not limited to principals of account {account}{(organizationId is null ? "" : $" or organisation {organizationId}")} (StringEquals aws:PrincipalAccount{(organizationId is null ? "" : " or aws:PrincipalOrgID")})";
                if (problem is not null)
                {
                    return problem;
                }
            }

            // Nothing allowed at all: the agent's channel would not work, but nothing leaks through it either.
            return null;
        }
        catch (JsonException ex)
        {
            return $"its policy could not be read: {ex.Message}";
        }
    }

    /// <summary>Every resource of the Allow is the evidence bucket or an object in it.</summary>
    private static string? BucketOnly(JsonElement statement, string partition, string bucket)
    {
        var bucketArn = $"arn:{partition}:s3:::{bucket}";
        if (!statement.TryGetProperty("Resource", out var resources))
        {
            return "an Allow statement of its policy names no Resource";
        }

        foreach (var resource in resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray() : Enumerable.Repeat(resources, 1))
        {
            var arn = resource.ValueKind == JsonValueKind.String ? resource.GetString() : null;
            // An object key may hold any character, wildcards included: it stays in the bucket. The bucket's name may not.
            if (arn is null || !(arn == bucketArn || arn.StartsWith(bucketArn + "/", StringComparison.Ordinal)))
            {
                return $"an Allow statement of its policy reaches {resource.GetRawText()}, not only the evidence bucket {bucketArn} (or the organisation's resources by aws:ResourceOrgID)";
            }
        }

        return null;
    }

    /// <summary>
    /// The statement's condition has <c>StringEquals</c> on <paramref name="key"/> with <paramref name="expected"/> as its
    /// only value (IAM reads condition keys whatever their case). Other operators (…IfExists passes without the key,
    /// StringLike takes wildcards) do not count; the statement's other conditions can only narrow it further.
    /// </summary>
    private static bool ConditionIs(JsonElement statement, string key, string? expected)
    {
        if (expected is null || !statement.TryGetProperty("Condition", out var condition) || condition.ValueKind != JsonValueKind.Object
            || !condition.TryGetProperty("StringEquals", out var equals) || equals.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (var property in equals.EnumerateObject())
        {
            if (!property.Name.Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var values = property.Value.ValueKind == JsonValueKind.Array ? [.. property.Value.EnumerateArray()] : new[] { property.Value };
            return values.Length > 0 && values.All(v => v.ValueKind == JsonValueKind.String && v.GetString() == expected);
        }

        return false;
    }
}

/// <summary>What the forensic window's endpoints must confine it to.</summary>
/// <param name="Bucket">The evidence bucket, the only one S3 may reach.</param>
/// <param name="Account">The instance's account: its principals may use the Systems Manager endpoints.</param>
/// <param name="OrganizationId">The organisation's id when configured; null: organisation conditions do not count.</param>
public sealed record WindowConfinement(string Region, string Bucket, string Account, string? OrganizationId);
