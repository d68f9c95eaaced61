using ThreatResponse.Aws.Accounts;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests.Template;

/// <summary>
/// Each function's role (as SAM translates it) allows every AWS call its handler makes — observed on the wire by a
/// recording proxy while the handler runs its scenarios against moto_server — and nothing broader, except actions
/// listed here with the reason they cannot be observed. The same holds for its member-account session
/// (<see cref="MemberSessionPolicy"/>) and the calls it would make there.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class RolePermissionTests(MotoServerFixture moto) : MotoTest(moto)
{
    /// <summary>Allowed but not seen in the scenarios, and why.</summary>
    internal static readonly Dictionary<string, string> Unobservable = new(StringComparer.Ordinal)
    {
        ["kms:GenerateDataKey"] = "SNS and DynamoDB call KMS for the encrypted topic and ledger on the caller's behalf",
        ["kms:Decrypt"] = "SNS and DynamoDB call KMS for the encrypted topic and ledger on the caller's behalf",
        ["ec2:RevokeSecurityGroupIngress"] = "only when a quarantine group was changed by someone and is repaired (covered by the EC2 adapter tests)",
        ["ec2:DescribeSecurityGroups"] = "only when the ledger records quarantine groups in the instance's VPC, which the scenario's new VPC has none of (QuarantineGroupsByRecordTests)",
        ["ec2:DescribeSecurityGroupRules"] = "only when a recorded quarantine group was changed by someone and is repaired rule by rule (QuarantineGroupsByRecordTests)",
        ["dynamodb:GetItem"] = "the isolating functions read the saved state only when resuming an interrupted isolation (AttackerProofIsolationTests)",
        ["iam:PassRole"] = "EC2 checks it when AssociateIamInstanceProfile gives the instance its role back",
        ["sts:AssumeRole"] = "only when acting in a member account (MemberAccountContainmentTests)",
        ["sqs:SendMessage"] = "Lambda sends an event whose response failed to the on-failure queue with the function's role (added by SAM)",
        ["ec2:CreateTags"] = "CreateSnapshots' TagSpecifications need it; the snapshot function may use it only on snapshots it creates",
        ["autoscaling:EnterStandby"] = "only for an instance in an Auto Scaling group (FleetMembershipTests)",
        ["autoscaling:DetachInstances"] = "only when Standby is refused (FleetMembershipTests)",
        ["autoscaling:SetInstanceProtection"] = "only for an instance in an Auto Scaling group (FleetMembershipTests)",
        ["autoscaling:ExitStandby"] = "only when releasing an instance isolation put in Standby, with RELEASE_RESTORES_MEMBERSHIP=true (FleetMembershipTests)",
        ["elasticloadbalancing:DescribeTargetHealth"] = "only when the Region has target groups (FleetMembershipTests)",
        ["elasticloadbalancing:DeregisterTargets"] = "only for an instance registered in a target group (FleetMembershipTests)",
        ["elasticloadbalancing:RegisterTargets"] = "only when releasing an instance isolation deregistered, with RELEASE_RESTORES_MEMBERSHIP=true (FleetMembershipTests)",
        ["s3:PutObject"] = "the instance uploads the evidence archive through the URL the function pre-signs with this permission; the function puts only the list of snapshots it took (seen in the snapshot scenario)",
        ["s3:GetObjectVersion"] = "reading back one given version of an evidence archive; the read-back after collection asks for the current one",
        ["ec2:DisassociateIamInstanceProfile"] = "release: only when an interrupted collection left the quarantine profile and the instance had no profile of its own (ForensicWindowTests)",
        ["ec2:ReplaceIamInstanceProfileAssociation"] = "release: only when an interrupted collection left the quarantine profile (ForensicWindowTests); the responder: a collecting rule (below)",
    };

    /// <summary>
    /// Allowed to GuardDutyResponder for playbook rules that collect evidence, which the default playbook of its scenario
    /// has none of (CollectEvidenceAction's own scenario makes these calls).
    /// </summary>
    internal static readonly Dictionary<string, string> CollectOnly = new(StringComparer.Ordinal)
    {
        ["ssm:DescribeInstanceInformation"] = "only when a playbook rule asks for collect",
        ["ssm:DescribeDocument"] = "only when a playbook rule asks for collect (the document's check before sending)",
        ["ssm:GetDocument"] = "only when a playbook rule asks for collect (the document's check before sending)",
        ["ssm:SendCommand"] = "only when a playbook rule asks for collect",
        ["ssm:GetCommandInvocation"] = "only when a playbook rule asks for collect",
        ["s3:GetObject"] = "only when a playbook rule asks for collect (the archive's read-back)",
        ["ec2:DescribeVpcEndpoints"] = "only when a rule collects after isolating (the forensic channel)",
        ["ec2:DescribePrefixLists"] = "only when a rule collects after isolating (the forensic channel)",
        ["ec2:DescribeNetworkInterfaces"] = "only when a rule collects after isolating (the endpoints' addresses)",
        ["ec2:DescribeRouteTables"] = "only when a rule collects after isolating (the S3 gateway endpoint on the subnet's route table)",
        ["ec2:AssociateIamInstanceProfile"] = "only when a rule collects after isolating an instance without a profile",
        ["iam:GetInstanceProfile"] = "only when a rule collects after isolating (the quarantine profile's check)",
        ["iam:ListRolePolicies"] = "only when a rule collects after isolating (the quarantine profile's check)",
        ["iam:ListAttachedRolePolicies"] = "only when a rule collects after isolating (the quarantine profile's check)",
        ["iam:GetRolePolicy"] = "only when a rule collects after isolating (the quarantine profile's check)",
        ["iam:PutRolePolicy"] = "only when a rule collects after isolating (the close denies the credentials fetched through the window)",
    };

    /// <summary>
    /// Allowed to CollectEvidenceAction for an instance isolated before, which its scenario's instance is not: the
    /// forensic window (seen in <see cref="Role_CollectEvidenceActionOnAnIsolatedInstance_AllowsEveryCallOfTheForensicWindow"/>).
    /// </summary>
    internal static readonly Dictionary<string, string> CollectOnIsolatedOnly = new(StringComparer.Ordinal)
    {
        ["ec2:DescribeSecurityGroups"] = "whether the instance is isolated, asked only when each ENI has one group (the scenario's have two)",
        ["ec2:DescribeVpcEndpoints"] = "the forensic channel",
        ["ec2:DescribePrefixLists"] = "the forensic channel",
        ["ec2:DescribeNetworkInterfaces"] = "the endpoints' addresses",
        ["ec2:DescribeRouteTables"] = "the S3 gateway endpoint on the subnet's route table",
        ["ec2:CreateSecurityGroup"] = "the VPC's forensic group, the first time",
        ["ec2:AuthorizeSecurityGroupEgress"] = "the forensic group's rules",
        ["ec2:RevokeSecurityGroupEgress"] = "EC2's default rule of a new forensic group",
        ["ec2:CreateTags"] = "the forensic group's tags go with CreateSecurityGroup, which EC2 authorizes as CreateTags",
        ["ec2:ModifyNetworkInterfaceAttribute"] = "the forensic group on and off the ENIs",
        ["ec2:ModifyInstanceMetadataOptions"] = "the metadata endpoint for the collection, and off after",
        ["ec2:AssociateIamInstanceProfile"] = "the quarantine profile for the collection",
        ["ec2:DisassociateIamInstanceProfile"] = "the quarantine profile off after",
        ["iam:GetInstanceProfile"] = "the quarantine profile's check",
        ["iam:ListRolePolicies"] = "the quarantine profile's check",
        ["iam:ListAttachedRolePolicies"] = "the quarantine profile's check",
        ["iam:GetRolePolicy"] = "the quarantine profile's check",
        ["iam:PutRolePolicy"] = "the close denies the credentials fetched through the window",
    };

    public static TheoryData<string> Functions() =>
        ["GuardDutyResponder", "IsolateInstanceAction", "SnapshotInstanceAction", "StopInstanceAction", "ReleaseInstanceAction", "IsolateAndRevokeSessionsAction", "CollectEvidenceAction"];

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task Role_Function_AllowsExactlyTheCallsItsHandlerMakes(string function)
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);

        // The revoking custom action is deployed only with EnableRevokeSessions, which also sets REVOKE_SESSIONS.
        world.Set("REVOKE_SESSIONS", function == "IsolateAndRevokeSessionsAction" ? "true" : "false");
        var writable = Directory.CreateTempSubdirectory("threat-response-agent-");
        var violations = new List<string>();
        if (function == "SnapshotInstanceAction")
        {
            // The snapshots are listed in the evidence bucket.
            using var s3 = new Amazon.S3.AmazonS3Client(MotoServerFixture.Credentials, Moto.Configure(new Amazon.S3.AmazonS3Config { ForcePathStyle = true }));
            await EvidenceScene.CreateBucketAsync(s3, "threat-response-evidence");
            world.Set("EVIDENCE_BUCKET_NAME", "threat-response-evidence");
        }

        if (function == "CollectEvidenceAction")
        {
            using var s3 = new Amazon.S3.AmazonS3Client(MotoServerFixture.Credentials, Moto.Configure(new Amazon.S3.AmazonS3Config { ForcePathStyle = true }));
            await EvidenceScene.CreateBucketAsync(s3, "threat-response-evidence");
            world.Set("EVIDENCE_BUCKET_NAME", "threat-response-evidence").Set("EVIDENCE_TIMEOUT_SECONDS", "30");
            await EvidenceScene.CreateDocumentAsync(Moto);
        SsmAgentStandIn.Play(world, scene.InstanceId, writable.FullName, violations);
        }
        if (function == "ReleaseInstanceAction")
        {
            using var isolate = world.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
            await FunctionWorld.InvokeAsync(new IsolateInstanceAction(isolate).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId));
            world.AwsProxy.Clear();
            world.SecurityHubProxy.Clear();
        }

        using (var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.ActionOf(function)).Runtime())
        {
            var handler = FunctionWorld.Handler(function, runtime);
            var file = function == "GuardDutyResponder" ? "guardduty-backdoor-c2-web-instance.json"
                : function == "ReleaseInstanceAction" ? "securityhub-custom-action-release-web-instance.json"
                : "securityhub-custom-action-isolate-web-instance.json";
            var @event = FunctionWorld.ProjectEvent(file, scene.InstanceId);
            if (function != "GuardDutyResponder")
            {
                @event["resources"]![0] = FunctionWorld.ActionOf(function);
            }
            using var output = await FunctionWorld.InvokeAsync(handler, @event);
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        writable.Delete(recursive: true);
        Assert.Empty(violations);

        var observed = Observed(world);
        var allowed = await SamTemplate.AllowedActionsAsync(function);

        Assert.Empty(observed.Except(allowed).Order());
        Assert.Empty(allowed.Except(observed).Where(a => !Unobservable.ContainsKey(a) && !(function == "GuardDutyResponder" && CollectOnly.ContainsKey(a))
            && !(function == "CollectEvidenceAction" && CollectOnIsolatedOnly.ContainsKey(a))).Order());

        // The same calls, made in a member account, through the member role's session limited to this function.
        var session = MemberSessionPolicy.ActionsOf(function, revokeSessions: function == "IsolateAndRevokeSessionsAction");
        Assert.Empty(observed.Where(MemberSessionPolicyTests.InMemberAccount).Except(session).Order());
        Assert.Empty(session.Except(observed).Where(a => !Unobservable.ContainsKey(a) && !(function == "GuardDutyResponder" && CollectOnly.ContainsKey(a))
            && !(function == "CollectEvidenceAction" && CollectOnIsolatedOnly.ContainsKey(a))).Order());
    }

    [Fact]
    public async Task Role_CollectEvidenceActionOnAnIsolatedInstance_AllowsEveryCallOfTheForensicWindow()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await ForensicSceneAsync(ec2, scene);
        using (var isolate = world.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime())
        {
            await FunctionWorld.InvokeAsync(new IsolateInstanceAction(isolate).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId));
        }

        world.AwsProxy.Clear();
        world.SecurityHubProxy.Clear();
        world.Set("EVIDENCE_BUCKET_NAME", "threat-response-evidence").Set("EVIDENCE_TIMEOUT_SECONDS", "30");
        var writable = Directory.CreateTempSubdirectory("threat-response-agent-");
        var violations = new List<string>();
        await EvidenceScene.CreateDocumentAsync(Moto);
        SsmAgentStandIn.Play(world, scene.InstanceId, writable.FullName, violations);
        using (var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.CollectAction).Runtime())
        {
            var @event = ActionEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId, FunctionWorld.CollectAction);
            @event["id"] = Guid.NewGuid().ToString();
            using var output = await FunctionWorld.InvokeAsync(new CollectEvidenceAction(runtime).HandleAsync, @event);
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        writable.Delete(recursive: true);
        Assert.Empty(violations);
        var observed = Observed(world);
        var allowed = await SamTemplate.AllowedActionsAsync("CollectEvidenceAction");
        Assert.Empty(observed.Except(allowed).Order());
        Assert.Empty(observed.Where(MemberSessionPolicyTests.InMemberAccount).Except(MemberSessionPolicy.ActionsOf("CollectEvidenceAction", false)).Order());
        Assert.Empty(CollectOnIsolatedOnly.Keys.Where(a => a != "ec2:CreateTags").Except(observed).Order()); // tags go with CreateSecurityGroup

    }

    /// <summary>
    /// A playbook rule that isolates and collects, in a VPC with the Systems Manager and S3 endpoints: every call the
    /// responder makes through the forensic window is allowed, and the collect-only statements are all used.
    /// </summary>
    [Fact]
    public async Task Role_GuardDutyResponderCollectingAfterIsolation_AllowsEveryCallOfTheForensicWindow()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await ForensicSceneAsync(ec2, scene);
        world.Set("EVIDENCE_BUCKET_NAME", "threat-response-evidence").Set("EVIDENCE_TIMEOUT_SECONDS", "30")
            .Set("PLAYBOOK", "version: 1\nrules:\n  - name: all\n    actions: [isolate, collect]\n");
        var writable = Directory.CreateTempSubdirectory("threat-response-agent-");
        var violations = new List<string>();
        await EvidenceScene.CreateDocumentAsync(Moto);
        SsmAgentStandIn.Play(world, scene.InstanceId, writable.FullName, violations);

        using (var runtime = world.Runtime())
        {
            using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        writable.Delete(recursive: true);
        Assert.Empty(violations);
        var observed = Observed(world);
        var allowed = await SamTemplate.AllowedActionsAsync("GuardDutyResponder");
        Assert.Empty(observed.Except(allowed).Order());
        Assert.Empty(observed.Where(MemberSessionPolicyTests.InMemberAccount).Except(MemberSessionPolicy.ActionsOf("GuardDutyResponder", false)).Order());
        Assert.Empty(CollectOnly.Keys.Where(a => a != "ec2:AssociateIamInstanceProfile").Except(observed).Order());
        Assert.Contains("ec2:ReplaceIamInstanceProfileAssociation", observed);
    }

    /// <summary>
    /// With <c>EnableRevokeSessions=true</c>, the statements it adds to the automatic responder (a playbook rule asking
    /// for revoke-sessions) and to release allow exactly the IAM calls their handlers then make.
    /// </summary>
    [Theory]
    [InlineData("GuardDutyResponder")]
    [InlineData("ReleaseInstanceAction")]
    public async Task Role_RevokeSessionsEnabled_AllowsExactlyTheIamCallsItsHandlerMakes(string function)
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        world.Set("REVOKE_SESSIONS", "true").Set("PLAYBOOK", "version: 1\nrules:\n  - name: everything\n    actions: [isolate, revoke-sessions]\n");

        if (function == "ReleaseInstanceAction")
        {
            using var isolate = world.Set("ACTION_TARGET_ARN", FunctionWorld.RevokeAction).Runtime();
            await FunctionWorld.InvokeAsync(new IsolateAndRevokeSessionsAction(isolate).HandleAsync, ActionEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId, FunctionWorld.RevokeAction));
            world.AwsProxy.Clear();
        }

        // Release after the revoked credentials have expired (12 h after the cut-off), when it deletes the policy.
        world.Set("ACTION_TARGET_ARN", FunctionWorld.ActionOf(function));
        using (var runtime = function == "ReleaseInstanceAction" ? world.Runtime(new LaterTime(TimeSpan.FromHours(12).Add(TimeSpan.FromSeconds(2)))) : world.Runtime())
        {
            var @event = function == "GuardDutyResponder"
                ? FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId)
                : ActionEvent("securityhub-custom-action-release-web-instance.json", scene.InstanceId, FunctionWorld.ReleaseAction);
            using var output = await FunctionWorld.InvokeAsync(FunctionWorld.Handler(function, runtime), @event);
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        var observed = world.AwsProxy.Calls.Where(c => c.Service == "iam").Select(c => $"iam:{c.Operation}").ToHashSet(StringComparer.Ordinal);
        var allowed = (await SamTemplate.AllowedActionsAsync(function, new HashSet<string>(StringComparer.Ordinal) { "RevokeSessionsEnabled" }))
            .Where(a => a.StartsWith("iam:", StringComparison.Ordinal) && a != "iam:PassRole" && !CollectOnly.ContainsKey(a) || a is "iam:GetInstanceProfile" or "iam:GetRolePolicy" or "iam:PutRolePolicy").ToHashSet(StringComparer.Ordinal);
        Assert.Equal(function == "GuardDutyResponder" ? ["iam:GetInstanceProfile", "iam:GetRolePolicy", "iam:PutRolePolicy"] : ["iam:DeleteRolePolicy", "iam:GetRolePolicy"], observed.Order(StringComparer.Ordinal));
        Assert.Equal(observed.Order(StringComparer.Ordinal), allowed.Order(StringComparer.Ordinal));
        var session = MemberSessionPolicy.ActionsOf(function, revokeSessions: true)
            .Where(a => a.StartsWith("iam:", StringComparison.Ordinal) && a != "iam:PassRole" && !CollectOnly.ContainsKey(a) || a is "iam:GetInstanceProfile" or "iam:GetRolePolicy" || (a == "iam:PutRolePolicy" && function == "GuardDutyResponder"));
        Assert.Equal(observed.Order(StringComparer.Ordinal), session.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Every action the handler's calls needed, as seen on the wire. Calls without a SigV4 Authorization header ("?")
    /// are the instance's upload through the pre-signed URL, not the function's.
    /// </summary>
    private static HashSet<string> Observed(FunctionWorld world) => world.AwsProxy.Calls.Concat(world.SecurityHubProxy.Calls)
        .Where(c => c.Service != "?")
        .Select(c => c.Service == "securityhub" ? "securityhub:BatchUpdateFindings" : c.Service == "s3" ? S3Action(c.Operation) : $"{c.Service}:{c.Operation}")
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The VPC's Systems Manager and S3 endpoints, the quarantine profile and the evidence bucket: what the forensic window needs.</summary>
    private async Task ForensicSceneAsync(Amazon.EC2.IAmazonEC2 ec2, ThreatResponse.LocalAws.DemoScene scene)
    {
        await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId);
        await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        using var s3 = new Amazon.S3.AmazonS3Client(MotoServerFixture.Credentials, Moto.Configure(new Amazon.S3.AmazonS3Config { ForcePathStyle = true }));
        await EvidenceScene.CreateBucketAsync(s3, "threat-response-evidence");
    }

    /// <summary>The IAM action of an S3 REST call on an object ("GET /bucket/key"); S3 has no operation header to read it from.</summary>
    private static string S3Action(string operation) => operation.Split(' ')[0] switch
    {
        "GET" or "HEAD" => "s3:GetObject",
        "PUT" => "s3:PutObject",
        var method => $"s3:{method}",
    };

    private static System.Text.Json.Nodes.JsonNode ActionEvent(string file, string instanceId, string actionArn)
    {
        var @event = FunctionWorld.ProjectEvent(file, instanceId);
        @event["resources"]![0] = actionArn;
        return @event;
    }

    /// <summary>The system clock, moved on.</summary>
    private sealed class LaterTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }
}
