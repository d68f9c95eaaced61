using System.Text.Json;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Credentials;

namespace ThreatResponse.Core.Containment.Evidence;

/// <summary>
/// The quarantine profile is verified before an instance gets it: its one role may hold only ThreatResponse's inline
/// policy, granting only the SSM agent's actions. Whoever could write IAM in the account — the compromised instance's
/// own role, perhaps, before it was contained — could otherwise have given that role more, and the forensic window would
/// hand those permissions to the attacker on the instance, after revoke-sessions cut the credentials they had.
/// </summary>
internal static class QuarantineRoleCheck
{
    /// <summary>The inline policy templates/member-role.yaml and template.yaml give the role.</summary>
    public const string PolicyName = "ssm-agent-only";

    /// <summary>
    /// AWS's AmazonSSMManagedInstanceCore (v2) without its Parameter Store reads: what the role may grant at most. The
    /// templates grant a subset (QuarantineProfileTests).
    /// </summary>
    public static readonly IReadOnlySet<string> AgentActions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest",
        "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
        "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
    };

    /// <summary>What is wrong with the profile's role; null when it grants the agent's actions and nothing else.</summary>
    public static async Task<string?> ProblemAsync(IInstanceRolePolicies roles, InstanceReference instance, string profileName, CancellationToken cancellationToken)
    {
        var held = await roles.FindProfileRolesAsync(instance, profileName, cancellationToken);
        if (held.Count != 1)
        {
            return $"the instance profile {profileName} holds {held.Count} roles, not its one";
        }

        var role = held[0];
        var attached = roles.ListAttachedRolePolicyArnsAsync(instance, role.Name, cancellationToken);
        var inline = roles.ListRolePolicyNamesAsync(instance, role.Name, cancellationToken);
        var document = roles.GetRolePolicyAsync(instance, role.Name, PolicyName, cancellationToken);
        if ((await attached).Count > 0)
        {
            return $"its role {role.Name} has managed policies attached ({string.Join(", ", (await attached).Take(3))})";
        }

        // Besides the agent's policy: the denies earlier windows' closes left (ForensicWindowClosedPolicy), each read, since
        // anyone who can write IAM could put an Allow under that name.
        var names = await inline;
        var closed = names.Where(n => n.StartsWith(ForensicWindowClosedPolicy.NamePrefix, StringComparison.Ordinal)).ToList();
        if (names.Except(closed, StringComparer.Ordinal).ToList() is not [PolicyName])
        {
            return $"its role {role.Name} has the inline policies {string.Join(", ", names.Except(closed, StringComparer.Ordinal).Take(5))}, not only {PolicyName}";
        }

        foreach (var name in closed)
        {
            if (await roles.GetRolePolicyAsync(instance, role.Name, name, cancellationToken) is not { } deny || !ForensicWindowClosedPolicy.IsDenyOnly(deny))
            {
                return $"its role {role.Name}'s policy {name} is not a deny only";
            }
        }

        return await document is { } text ? ProblemOf(role.Name, text) : $"its role {role.Name} has no {PolicyName} policy";
    }

    /// <summary>Every statement an Allow of listed agent actions, named one by one (no wildcard, no NotAction or NotResource).</summary>
    internal static string? ProblemOf(string roleName, string policy)
    {
        try
        {
            using var json = JsonDocument.Parse(policy);
            var statements = json.RootElement.GetProperty("Statement");
            foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray() : Enumerable.Repeat(statements, 1))
            {
                if (statement.TryGetProperty("NotAction", out _) || statement.TryGetProperty("NotResource", out _))
                {
                    return $"its role {roleName}'s policy uses NotAction or NotResource";
                }

                if (!statement.TryGetProperty("Effect", out var effect) || effect.GetString() != "Allow")
                {
                    continue; // a Deny only takes away
                }

                var actions = statement.GetProperty("Action");
                foreach (var action in actions.ValueKind == JsonValueKind.Array ? actions.EnumerateArray() : Enumerable.Repeat(actions, 1))
                {
                    if (action.GetString() is not { } name || !AgentActions.Contains(name))
                    {
                        return $"its role {roleName}'s policy allows {action.GetRawText()}, which the SSM agent does not need";
                    }
                }
            }

            return null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"its role {roleName}'s policy could not be read: {e.Message}";
        }
    }
}
