using System.Text.Json;
using System.Text.Json.Nodes;

namespace ThreatResponse.Aws.Accounts;

/// <summary>
/// The session policy a function passes when it assumes the member role. The member role allows what all the functions
/// together need; STS makes a session's permissions the intersection of the role's policies and the session policy, so
/// each function's session in a member account can make that function's calls and no other: the snapshot function
/// cannot stop an instance, the terminated-instance function can only remove network ACL entries, and no function but
/// release passes an arbitrary role to EC2. The lists are exactly the member-account calls each function makes;
/// <c>MemberSessionPolicyTests</c> compare them with the calls its handler makes and with the function's own role.
/// </summary>
/// <remarks>
/// Size: AWS caps a session policy's plaintext at 2,048 characters, and packs it (with any session tags) into the
/// session token under a separate limit that AssumeRole answers with <c>PackedPolicyTooLarge</c> and reports as
/// <c>PackedPolicySize</c>, a percentage. So the document is compact JSON without Sids, and its statements use
/// <c>Resource: "*"</c>: the member role's own statements keep their resource and tag conditions in the intersection.
/// </remarks>
public static class MemberSessionPolicy
{
    /// <summary>The lookup every containment starts with (instance, attributes, profile association).</summary>
    private static readonly string[] Lookup = ["ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeIamInstanceProfileAssociations"];

    /// <summary>Isolation: quarantine groups, ENIs, network ACL entries, attributes, metadata endpoint, profile, tags, fleet.</summary>
    private static readonly string[] Isolate =
    [
        .. Lookup,
        "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkAcls",
        "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions", "ec2:DisassociateIamInstanceProfile", "ec2:CreateTags",
        "ec2:CreateNetworkAclEntry",
        "autoscaling:DescribeAutoScalingInstances", "autoscaling:EnterStandby", "autoscaling:SetInstanceProtection", "autoscaling:DetachInstances",
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DeregisterTargets",
    ];

    /// <summary>
    /// Evidence collection through the forensic window: the channel's endpoints, the quarantine profile and its check, the
    /// deny on its role when the window closes (the member role allows that only on the quarantine role), the document.
    /// </summary>
    private static readonly string[] Collect =
    [
        "ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists", "ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables",
        "ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation",
        "iam:GetInstanceProfile", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:GetRolePolicy", "iam:PutRolePolicy",
        "ssm:DescribeInstanceInformation", "ssm:DescribeDocument", "ssm:GetDocument", "ssm:SendCommand", "ssm:GetCommandInvocation",
    ];

    private static readonly Dictionary<string, string[]> Actions = new(StringComparer.Ordinal)
    {
        ["GuardDutyResponder"] = [.. Isolate, .. Collect, "ec2:CreateSnapshots", "ec2:DescribeSnapshots"],
        ["IsolateInstanceAction"] = Isolate,
        ["IsolateAndRevokeSessionsAction"] = Isolate,
        ["SnapshotInstanceAction"] = [.. Lookup, "ec2:CreateSnapshots", "ec2:DescribeSnapshots", "ec2:CreateTags"],
        ["StopInstanceAction"] = [.. Lookup, "ec2:ModifyInstanceAttribute", "ec2:StopInstances"],
        ["ReleaseInstanceAction"] =
        [
            .. Lookup, "ec2:DescribeNetworkAcls", "ec2:DeleteNetworkAclEntry", "ec2:DeleteTags",
            "ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions",
            "ec2:AssociateIamInstanceProfile", "ec2:DisassociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation",
            "autoscaling:ExitStandby", "autoscaling:SetInstanceProtection", "elasticloadbalancing:RegisterTargets",
        ],
        ["CollectEvidenceAction"] =
        [
            .. Lookup, .. Collect, "ec2:DescribeSecurityGroups",
            "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:CreateTags",
            "ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyInstanceMetadataOptions", "ec2:DisassociateIamInstanceProfile",
        ],
        ["InstanceTerminatedResponder"] = [.. Lookup, "ec2:DescribeNetworkAcls", "ec2:DeleteNetworkAclEntry"],
    };

    /// <summary>What revoke-sessions adds (the deny policy on the instance's role, written and read back; release deletes it).</summary>
    private static readonly Dictionary<string, string[]> RevokeActions = new(StringComparer.Ordinal)
    {
        ["GuardDutyResponder"] = ["iam:GetInstanceProfile", "iam:GetRolePolicy", "iam:PutRolePolicy"],
        ["IsolateAndRevokeSessionsAction"] = ["iam:GetInstanceProfile", "iam:GetRolePolicy", "iam:PutRolePolicy"],
        ["ReleaseInstanceAction"] = ["iam:GetRolePolicy", "iam:DeleteRolePolicy"],
    };

    /// <summary>The instance attributes ThreatResponse changes: termination protection and the shutdown behaviour.</summary>
    public static IReadOnlyList<string> ChangedAttributes { get; } = ["disableApiTermination", "instanceInitiatedShutdownBehavior"];

    /// <summary>The functions that have a session policy.</summary>
    public static IReadOnlyCollection<string> Functions => Actions.Keys;

    /// <summary>
    /// The actions <paramref name="function"/> may take in a member account. <c>iam:PassRole</c> is among them when it
    /// gives an instance a profile (EC2 checks it at <c>AssociateIamInstanceProfile</c> and
    /// <c>ReplaceIamInstanceProfileAssociation</c>); the document allows it only towards EC2.
    /// </summary>
    /// <param name="revokeSessions">The function revokes instance roles' sessions (<c>REVOKE_SESSIONS=true</c>; always for the revoking custom action).</param>
    /// <exception cref="ArgumentException">No function of that name.</exception>
    public static IReadOnlySet<string> ActionsOf(string function, bool revokeSessions)
    {
        if (!Actions.TryGetValue(function, out var actions))
        {
            throw new ArgumentException($"no member session policy for a function named '{function}'; known: {string.Join(", ", Actions.Keys)}", nameof(function));
        }

        var all = new SortedSet<string>(actions, StringComparer.Ordinal);
        if ((revokeSessions || function == "IsolateAndRevokeSessionsAction") && RevokeActions.TryGetValue(function, out var revoke))
        {
            all.UnionWith(revoke);
        }

        if (all.Contains("ec2:AssociateIamInstanceProfile") || all.Contains("ec2:ReplaceIamInstanceProfileAssociation"))
        {
            all.Add("iam:PassRole");
        }

        return all;
    }

    /// <summary>
    /// The session policy for the functions served (one in Lambda: an execution environment runs one function), in
    /// <paramref name="partition"/>. <c>iam:PassRole</c>: only to EC2; for every function but release only the roles under
    /// <c>/threat-response/</c> (the quarantine profile's), release alone passes back whatever role the instance had.
    /// </summary>
    public static string Document(IEnumerable<string> functions, bool revokeSessions, string partition)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var names = functions.ToList();
        var actions = new SortedSet<string>(names.SelectMany(f => ActionsOf(f, revokeSessions)), StringComparer.Ordinal);
        actions.Remove("iam:PassRole");
        var passers = names.Where(f => ActionsOf(f, revokeSessions).Contains("iam:PassRole")).ToList();
        var statements = new JsonArray
        {
            new JsonObject { ["Effect"] = "Allow", ["Action"] = new JsonArray([.. actions.Select(a => (JsonNode)a)]), ["Resource"] = "*" },
        };
        if (passers.Count > 0)
        {
            statements.Add(new JsonObject
            {
                ["Effect"] = "Allow",
                ["Action"] = "iam:PassRole",
                ["Resource"] = passers.Contains("ReleaseInstanceAction") ? "*" : $"arn:{partition}:iam::*:role/threat-response/*",
                ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["iam:PassedToService"] = "ec2.amazonaws.com" } },
            });
        }

        if (actions.Contains("ec2:ModifyInstanceAttribute"))
        {
            // ModifyInstanceAttribute changes any one attribute per call, user data (run at the next start) included.
            // EC2's condition keys ec2:Attribute and ec2:Attribute/${AttributeName} name the attribute a call changes;
            // each deny applies only when its key is in the request (Null: false), so the two attributes ThreatResponse
            // sets are never refused, and any other attribute is, wherever AWS supplies the keys.
            statements.Add(new JsonObject
            {
                ["Effect"] = "Deny",
                ["Action"] = "ec2:ModifyInstanceAttribute",
                ["Resource"] = "*",
                ["Condition"] = new JsonObject
                {
                    ["Null"] = new JsonObject { ["ec2:Attribute"] = "false" },
                    ["StringNotEqualsIgnoreCase"] = new JsonObject { ["ec2:Attribute"] = new JsonArray([.. ChangedAttributes.Select(a => (JsonNode)a)]) },
                },
            });
            statements.Add(new JsonObject
            {
                ["Effect"] = "Deny",
                ["Action"] = "ec2:ModifyInstanceAttribute",
                ["Resource"] = "*",
                ["Condition"] = new JsonObject { ["Null"] = new JsonObject { ["ec2:Attribute/userData"] = "false" } },
            });
        }

        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements }.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
