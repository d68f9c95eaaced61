using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using ListObjectsV2Request = Amazon.S3.Model.ListObjectsV2Request;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Evidence collected after isolation, through the VPC's Systems Manager and S3 endpoints (the forensic channel and window),
/// against moto_server: while the command runs (seen by the stand-in agent as it starts it), each ENI is in the
/// isolation group and the forensic group, the instance holds the quarantine profile and its metadata endpoint is on
/// with IMDSv2 required and a hop limit of 1; when the collection ends, all of that is gone, as plain isolation leaves
/// it. Without the endpoints or without the quarantine profile, isolation is plain and the report says why.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class ForensicWindowTests(MotoServerFixture moto) : EvidenceWorldTest(moto)
{
    private const string Playbook = "version: 1\nrules:\n  - name: all\n    actions: [isolate, collect]\n";

    [Fact]
    public async Task GuardDutyResponder_IsolateAndCollectInAVpcWithEndpoints_CollectsThroughTheWindowThenClosesIt()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var endpointEnis = await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId);
        var quarantineProfile = await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        using var s3 = await BucketAsync();
        var metadataBefore = await MetadataAsync(ec2, scene.InstanceId);

        InstanceView? during = null;
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations, whenCommandRuns: async () => during = await ViewAsync(ec2, scene));
        WithEvidenceSettings().Set("PLAYBOOK", Playbook);

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.True(Violations.Count == 0, $"SSM requests outside botocore's model: {string.Join("; ", Violations)}");

        // While the command ran: the isolation group and the forensic group, the quarantine profile, IMDSv2 at hop 1.
        Assert.True(during is not null, "the stand-in agent never saw the collection command run");
        Assert.All(during.GroupNames, names => Assert.Equal(["threat-response-forensic", "threat-response-isolation"], names.Order()));
        Assert.True(during.ProfileArn == quarantineProfile, $"during the collection the instance held {during.ProfileArn ?? "no profile"}, not the quarantine profile");
        Assert.True(during.Metadata == ("enabled", "required", 1), $"during the collection the metadata endpoint was {during.Metadata}, expected enabled, IMDSv2 required, hop limit 1");

        // The forensic group lets out TCP 443 to the endpoints' addresses and the S3 prefix list, nothing else.
        var forensic = (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("vpc-id", [scene.VpcId]), new Filter("group-name", ["threat-response-forensic"])] })).SecurityGroups.Single();
        Assert.Empty(forensic.IpPermissions ?? []);
        var endpointAddresses = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [.. endpointEnis] })).NetworkInterfaces.Select(n => n.PrivateIpAddress + "/32").Order();
        Assert.All(forensic.IpPermissionsEgress, p => Assert.Equal(("tcp", 443, 443), (p.IpProtocol, p.FromPort, p.ToPort)));
        Assert.Equal(endpointAddresses, forensic.IpPermissionsEgress.SelectMany(p => p.Ipv4Ranges ?? []).Select(r => r.CidrIp).Order());
        var s3PrefixList = (await ec2.DescribePrefixListsAsync(new DescribePrefixListsRequest { Filters = [new Filter("prefix-list-name", ["com.amazonaws.us-east-1.s3"])] })).PrefixLists.Single().PrefixListId;
        Assert.Equal([s3PrefixList], forensic.IpPermissionsEgress.SelectMany(p => p.PrefixListIds ?? []).Select(p => p.Id));
        Assert.Empty(forensic.IpPermissionsEgress.SelectMany(p => p.Ipv6Ranges ?? []));

        // After: as plain isolation leaves it, reached as isolation is — through the conversion group, so flows opened
        // during the window (to S3 through the gateway endpoint, which crosses no network ACL) do not survive as tracked.
        var after = await ViewAsync(ec2, scene);
        Assert.All(after.GroupNames, names => Assert.Equal(["threat-response-isolation"], names));
        Assert.True(after.ProfileArn is null, $"after the window the instance still holds {after.ProfileArn}");
        Assert.True(after.Metadata.Endpoint == "disabled", $"after the window the metadata endpoint is {after.Metadata.Endpoint}, expected disabled");
        var names = await GroupNamesByIdAsync(ec2, scene.VpcId);
        Assert.All(new[] { scene.PrimaryEniId, scene.SecondaryEniId }, eni => Assert.Equal(["conversion", "forensic+isolation", "conversion", "isolation"], GroupSets(eni, names)));
        await AssertWindowCredentialsDeniedAsync(scene.InstanceId);

        // The evidence is stored and verified, and the report tells each step of the window.
        Assert.Single((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = $"evidence/123456789012/us-east-1/{scene.InstanceId}/" })).S3Objects);
        var steps = Steps(Assert.Single(await World.NotificationsAsync()));
        AssertStep(steps, "evidence-stored", "succeeded");
        AssertStep(steps, "forensic-channel", "succeeded");
        Assert.Contains(quarantineProfile, Step(steps, "instance-profile").GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, steps.Count(s => s.GetProperty("step").GetString() == "forensic-group-removed" && s.GetProperty("outcome").GetString() == "succeeded"));
        AssertStep(steps, "instance-profile-removed", "succeeded");
        AssertStep(steps, "metadata-endpoint-disabled", "succeeded");
        var order = steps.Select(s => s.GetProperty("step").GetString()).ToList();
        Assert.True(order.IndexOf("evidence-stored") < order.IndexOf("instance-profile-removed"), "the credentials were cut after the collection");

        // Release restores the instance's own profile and metadata options, not the quarantine ones.
        using (var release = World.Set("ACTION_TARGET_ARN", FunctionWorld.ReleaseAction).Runtime())
        {
            using var released = await FunctionWorld.InvokeAsync(new ReleaseInstanceAction(release).HandleAsync, ReleaseEvent(scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", released);
        }

        var restored = await ViewAsync(ec2, scene);
        Assert.True(restored.ProfileArn == scene.ProfileArn, $"release restored {restored.ProfileArn ?? "no profile"}, not the instance's own {scene.ProfileArn}");
        Assert.True(restored.Metadata == metadataBefore, $"release restored the metadata options {restored.Metadata}, not the instance's own {metadataBefore}");
        Assert.DoesNotContain(restored.GroupNames.SelectMany(n => n), n => n.StartsWith("threat-response-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GuardDutyResponder_NoQuarantineProfileInTheAccount_IsolatesPlainlyAndSaysWhyNothingWasCollected()
    {
        var failed = await QuarantineRefusedAsync(prepare: null);

        Assert.Contains("NoSuchEntity", failed, StringComparison.Ordinal);
    }

    /// <summary>
    /// Whoever could write IAM in the account (the compromised instance's own role, before it was contained) gave the
    /// quarantine role more than the agent needs: the instance must not get it — its credentials are cut instead.
    /// </summary>
    [Theory]
    [InlineData("attached")]
    [InlineData("another-inline")]
    [InlineData("broadened")]
    [InlineData("allow-under-the-window-closed-name")]
    public async Task GuardDutyResponder_QuarantineRoleGivenMoreByAnyone_NotGivenToTheInstanceCredentialsCut(string tampering)
    {
        var failed = await QuarantineRefusedAsync(async () =>
        {
            await EvidenceScene.CreateQuarantineProfileAsync(Moto);
            const string Role = "ThreatResponse-Quarantine";
            if (tampering == "attached")
            {
                var everything = await MotoIam.CreatePolicyAsync(Moto, "everything", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");
                await MotoIam.AttachRolePolicyAsync(Moto, Role, everything);
            }
            else if (tampering == "allow-under-the-window-closed-name")
            {
                // The name a window's close gives its deny: accepted next to the agent's policy only when it denies.
                await MotoIam.PutRolePolicyAsync(Moto, Role, "ThreatResponse-WindowClosed-i-0123456789abcdef0", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}""");
            }
            else if (tampering == "another-inline")
            {
                await MotoIam.PutRolePolicyAsync(Moto, Role, "extra", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}""");
            }
            else
            {
                await MotoIam.PutRolePolicyAsync(Moto, Role, "ssm-agent-only", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:UpdateInstanceInformation","iam:*"],"Resource":"*"}]}""");
            }
        });

        Assert.Contains("not given to the instance, whose credentials are cut instead", failed, StringComparison.Ordinal);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "ReplaceIamInstanceProfileAssociation" or "AssociateIamInstanceProfile");
    }

    /// <summary>A collecting rule where the quarantine profile is missing or not to be trusted: returns the failure's message.</summary>
    private async Task<string> QuarantineRefusedAsync(Func<Task>? prepare)
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId);
        if (prepare is not null)
        {
            await prepare();
        }

        using var s3 = await BucketAsync();
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);
        WithEvidenceSettings().Set("PLAYBOOK", Playbook);

        using var runtime = World.Runtime();
        var failed = await Assert.ThrowsAsync<ThreatResponse.Core.Responses.ResponseFailedException>(() => FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId)));

        // Refused (reported, and Lambda retries), so the response is not a success — but the instance is isolated and its credentials cut.
        var after = await ViewAsync(ec2, scene);
        Assert.All(after.GroupNames, names => Assert.Equal(["threat-response-isolation"], names));
        Assert.Null(after.ProfileArn);
        Assert.Equal("disabled", after.Metadata.Endpoint);
        var steps = Steps(Assert.Single(await World.NotificationsAsync()));
        AssertStep(steps, "quarantine-profile-check", "failed");
        AssertStep(steps, "instance-profile", "succeeded");
        var collect = Step(steps, "collect");
        Assert.Equal("skipped", collect.GetProperty("outcome").GetString());
        Assert.Contains("quarantine instance profile could not be put in place", collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation == "SendCommand");
        return failed.Message;
    }

    [Fact]
    public async Task GuardDutyResponder_VpcWithoutTheMessagesEndpoint_PlainIsolationNamesWhatIsMissing()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var enis = await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId);
        var messages = (await ec2.DescribeVpcEndpointsAsync(new DescribeVpcEndpointsRequest { Filters = [new Filter("vpc-id", [scene.VpcId])] })).VpcEndpoints.Single(e => e.ServiceName.EndsWith(".ssmmessages", StringComparison.Ordinal));
        await ec2.DeleteVpcEndpointsAsync(new DeleteVpcEndpointsRequest { VpcEndpointIds = [messages.VpcEndpointId] });
        await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);
        WithEvidenceSettings().Set("PLAYBOOK", Playbook);

        var collect = await IsolatedPlainlyAsync(ec2, scene);
        Assert.StartsWith("no forensic channel: ", collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("ssmmessages", collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("snapshots only", collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "SendCommand" or "ReplaceIamInstanceProfileAssociation");
        Assert.Empty((await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("group-name", ["threat-response-forensic"])] })).SecurityGroups ?? []);
    }

    /// <summary>
    /// The S3 gateway endpoint is on another route table than the instance's subnet's: TCP 443 to S3's prefix list would
    /// leave through the subnet's own gateway, around the endpoint and its policy. No channel, no quarantine credentials.
    /// </summary>
    [Fact]
    public async Task GuardDutyResponder_S3GatewayEndpointNotOnTheSubnetsRouteTable_PlainIsolationSaysWhy()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var elsewhere = (await ec2.CreateRouteTableAsync(new CreateRouteTableRequest { VpcId = scene.VpcId })).RouteTable.RouteTableId;
        await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId, s3RouteTableId: elsewhere);
        await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);
        WithEvidenceSettings().Set("PLAYBOOK", Playbook);

        var collect = await IsolatedPlainlyAsync(ec2, scene);
        Assert.Contains($"the S3 gateway endpoint is not on the route table", collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(scene.SubnetId, collect.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "SendCommand" or "ReplaceIamInstanceProfileAssociation" or "AssociateIamInstanceProfile");
    }

    [Fact]
    public async Task ReleaseInstanceAction_AnInterruptedCollectionLeftTheQuarantineProfile_RestoresTheInstancesOwn()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var quarantineProfile = await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        await IsolateByActionAsync(scene.InstanceId);

        // As a collection that died before closing its window leaves it.
        await ec2.AssociateIamInstanceProfileAsync(new AssociateIamInstanceProfileRequest { InstanceId = scene.InstanceId, IamInstanceProfile = new IamInstanceProfileSpecification { Arn = quarantineProfile } });

        using (var release = World.Set("ACTION_TARGET_ARN", FunctionWorld.ReleaseAction).Runtime())
        {
            using var released = await FunctionWorld.InvokeAsync(new ReleaseInstanceAction(release).HandleAsync, ReleaseEvent(scene.InstanceId));
            FunctionWorld.AssertOutcome("succeeded", released);
        }

        Assert.Equal(scene.ProfileArn, (await ViewAsync(ec2, scene)).ProfileArn);
    }

    /// <summary>
    /// An instance of a member account: the channel, the forensic group, the quarantine profile and the Run Command are
    /// all the member account's, reached through the member role.
    /// </summary>
    [Fact]
    public async Task GuardDutyResponder_InstanceInAMemberAccount_TheWindowAndTheCommandAreThereThroughTheMemberRole()
    {
        const string Member = "111122223333";
        using var member = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var memberKey = await MemberAccountScene.AccessKeyInAsync(Moto, Member);
        var ownProfile = await MotoIam.CreateInstanceProfileAsync(Moto, "app-server", accessKeyId: memberKey);
        var quarantineProfile = await EvidenceScene.CreateQuarantineProfileAsync(Moto, memberKey);
        await EvidenceScene.CreateDocumentAsync(Moto, accessKeyId: memberKey);
        var (instanceId, eniId) = await MemberAccountScene.LaunchAsync(member, ownProfile);
        var instance = (await member.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0];
        await EvidenceScene.CreateForensicEndpointsAsync(member, instance.VpcId, instance.SubnetId, account: Member);
        using var s3 = await BucketAsync();

        (List<string> Groups, string? Profile)? during = null;
        SsmAgentStandIn.Play(World, instanceId, Writable, Violations, whenCommandRuns: async () => during = (
            [.. (await member.GroupNamesAsync(eniId)).Order()],
            (await member.DescribeIamInstanceProfileAssociationsAsync(new DescribeIamInstanceProfileAssociationsRequest { Filters = [new Filter("instance-id", [instanceId])] })).IamInstanceProfileAssociations?.SingleOrDefault()?.IamInstanceProfile.Arn));
        WithEvidenceSettings().Set("PLAYBOOK", Playbook);
        var @event = FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", instanceId);
        var text = @event.ToJsonString().Replace("123456789012", Member, StringComparison.Ordinal);

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, System.Text.Json.Nodes.JsonNode.Parse(text)!);

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Empty(Violations);
        Assert.NotNull(during);
        Assert.Equal(["threat-response-forensic", "threat-response-isolation"], during.Value.Groups);
        Assert.Equal(quarantineProfile, during.Value.Profile);
        Assert.StartsWith($"arn:aws:iam::{Member}:", quarantineProfile, StringComparison.Ordinal);
        Assert.Equal(["threat-response-isolation"], await member.GroupNamesAsync(eniId));

        // The command is the member account's (moto keeps accounts apart by the caller's credentials).
        using var memberSsm = new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient(await MemberCredentialsAsync(Member), Moto.Configure(new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementConfig()));
        var command = Assert.Single((await memberSsm.ListCommandsAsync(new Amazon.SimpleSystemsManagement.Model.ListCommandsRequest())).Commands);
        Assert.Equal([instanceId], command.InstanceIds);
        Assert.Equal("ThreatResponse-CollectEvidence", command.DocumentName);
        Assert.Contains(World.AwsProxy.Calls, c => c.Operation == "AssumeRole" && c.Body.Contains(Uri.EscapeDataString($"arn:aws:iam::{Member}:role/ThreatResponseMember"), StringComparison.Ordinal));
        Assert.Single((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = $"evidence/{Member}/us-east-1/{instanceId}/" })).S3Objects);
    }

    private async Task<Amazon.Runtime.AWSCredentials> MemberCredentialsAsync(string account)
    {
        using var sts = new Amazon.SecurityToken.AmazonSecurityTokenServiceClient(MotoServerFixture.Credentials, Moto.Configure(new Amazon.SecurityToken.AmazonSecurityTokenServiceConfig()));
        var assumed = (await sts.AssumeRoleAsync(new Amazon.SecurityToken.Model.AssumeRoleRequest { RoleArn = $"arn:aws:iam::{account}:role/test-setup", RoleSessionName = "check" })).Credentials;
        return new Amazon.Runtime.SessionAWSCredentials(assumed.AccessKeyId, assumed.SecretAccessKey, assumed.SessionToken);
    }

    /// <summary>
    /// A window left open (the invocation died while the command ran): isolating the instance again — Lambda's retry,
    /// or any later response — closes it, whether or not that response collects.
    /// </summary>
    [Fact]
    public async Task GuardDutyResponder_AWindowLeftOpenByACrash_IsolatingAgainClosesIt()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId);
        var quarantineProfile = await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        using var s3 = await BucketAsync();
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);
        WithEvidenceSettings().Set("PLAYBOOK", Playbook);
        using (var runtime = World.Runtime())
        {
            using var first = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));
        }

        // Put back as the window stands while the command runs.
        var groups = (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("vpc-id", [scene.VpcId])] })).SecurityGroups;
        var window = groups.Where(g => g.GroupName is "threat-response-isolation" or "threat-response-forensic").Select(g => g.GroupId).ToList();
        foreach (var eni in new[] { scene.PrimaryEniId, scene.SecondaryEniId })
        {
            await ec2.ModifyNetworkInterfaceAttributeAsync(new ModifyNetworkInterfaceAttributeRequest { NetworkInterfaceId = eni, Groups = window });
        }

        await ec2.AssociateIamInstanceProfileAsync(new AssociateIamInstanceProfileRequest { InstanceId = scene.InstanceId, IamInstanceProfile = new IamInstanceProfileSpecification { Arn = quarantineProfile } });
        await ec2.ModifyInstanceMetadataOptionsAsync(new ModifyInstanceMetadataOptionsRequest { InstanceId = scene.InstanceId, HttpEndpoint = InstanceMetadataEndpointState.Enabled, HttpTokens = HttpTokensState.Required, HttpPutResponseHopLimit = 1 });
        Assert.Equal(quarantineProfile, (await ViewAsync(ec2, scene)).ProfileArn);
        // It died before the close, so no deny was written.
        await MotoIam.DeleteRolePolicyAsync(Moto, "ThreatResponse-Quarantine", "ThreatResponse-WindowClosed-" + scene.InstanceId);
        var crashed = DateTimeOffset.UtcNow;

        // Another finding about it, with the default playbook (no collect).
        World.Set("PLAYBOOK", "version: 1\nrules:\n  - name: all\n    actions: [isolate]\n");
        var again = FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId);
        again["id"] = "7a1c9e55-0c2d-4b8e-9f3a-2d6b1e4c8a70";
        again["detail"]!["id"] = "5fd7c3a1b2e94d0f8e7d6c5b4a392817";
        again["detail"]!["arn"] = again["detail"]!["arn"]!.GetValue<string>().Replace("4ec6f2b1a9d84e0c9e8f7a6b5c4d3e2f", "5fd7c3a1b2e94d0f8e7d6c5b4a392817", StringComparison.Ordinal);
        using (var runtime = World.Runtime())
        {
            using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, again);
            FunctionWorld.AssertOutcome("succeeded", output);
        }

        var after = await ViewAsync(ec2, scene);
        Assert.All(after.GroupNames, names => Assert.Equal(["threat-response-isolation"], names));
        Assert.Null(after.ProfileArn);
        Assert.Equal("disabled", after.Metadata.Endpoint);
        await AssertWindowCredentialsDeniedAsync(scene.InstanceId, notBefore: crashed);
    }

    /// <summary>
    /// The analyst's "Collect evidence" on an instance isolated before: the forensic group goes on next to the isolation
    /// group (no conversion group: nothing tracked is left), the quarantine profile and the metadata endpoint for the
    /// collection; then it is isolated exactly as before.
    /// </summary>
    [Fact]
    public async Task CollectAction_InstanceIsolatedBefore_CollectsThroughTheWindowAndLeavesItIsolated()
    {
        using var ec2 = Moto.CreateEc2Client();
        var (scene, quarantineProfile, during) = await IsolatedBeforeWithAChannelAsync(ec2);
        using var s3 = await BucketAsync();
        var before = await ViewAsync(ec2, scene);

        Assert.Equal("succeeded", await CollectByActionAsync(scene.InstanceId));

        Assert.Empty(Violations);
        Assert.NotNull(during.Value);
        Assert.All(during.Value.GroupNames, names => Assert.Equal(["threat-response-forensic", "threat-response-isolation"], names.Order()));
        Assert.Equal(quarantineProfile, during.Value.ProfileArn);
        Assert.Equal(("enabled", "required", 1), during.Value.Metadata);
        // Opened straight next to the isolation group (nothing tracked was left to cut), closed through the conversion group.
        var names = await GroupNamesByIdAsync(ec2, scene.VpcId);
        Assert.All(new[] { scene.PrimaryEniId, scene.SecondaryEniId }, eni => Assert.Equal(["forensic+isolation", "conversion", "isolation"], GroupSets(eni, names)));
        Assert.Equal(before, await ViewAsync(ec2, scene) with { GroupNames = before.GroupNames });
        Assert.Equal(before.GroupNames.Select(n => string.Join(',', n)), (await ViewAsync(ec2, scene)).GroupNames.Select(n => string.Join(',', n)));
        Assert.Single((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = $"evidence/123456789012/us-east-1/{scene.InstanceId}/" })).S3Objects);
        var steps = Steps(Assert.Single(await World.NotificationsAsync()));
        Assert.Equal(2, steps.Count(s => s.GetProperty("step").GetString() == "forensic-group-removed"));
        Assert.All(steps.Where(s => s.GetProperty("action").ValueKind == JsonValueKind.String), s => Assert.Equal("collect", s.GetProperty("action").GetString()));
        await AssertWindowCredentialsDeniedAsync(scene.InstanceId);

        // The deny the close left on the quarantine role does not keep the next collection from verifying the role.
        World.AwsProxy.Clear();
        Assert.Equal("succeeded", await CollectByActionAsync(scene.InstanceId));
        Assert.Equal("succeeded", Step(Steps(Assert.Single(await World.NotificationsAsync())), "quarantine-profile-check").GetProperty("outcome").GetString());
        Assert.All(new[] { scene.PrimaryEniId, scene.SecondaryEniId }, eni => Assert.Equal(["forensic+isolation", "conversion", "isolation"], GroupSets(eni, names)));
    }

    /// <summary>
    /// A collecting rule for an instance isolated before (another finding, an analyst): its ENIs get the forensic group
    /// straight next to the isolation group — no conversion group, nothing tracked is left to cut — and lose it after,
    /// through the conversion group, since the window let flows through.
    /// </summary>
    [Fact]
    public async Task GuardDutyResponder_IsolateAndCollectOnAnInstanceIsolatedBefore_WindowOpenedWithoutConversionClosedThroughIt()
    {
        using var ec2 = Moto.CreateEc2Client();
        var (scene, quarantineProfile, during) = await IsolatedBeforeWithAChannelAsync(ec2);
        using var s3 = await BucketAsync();
        WithEvidenceSettings().Set("PLAYBOOK", Playbook);

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.NotNull(during.Value);
        Assert.All(during.Value.GroupNames, names => Assert.Equal(["threat-response-forensic", "threat-response-isolation"], names.Order()));
        Assert.Equal(quarantineProfile, during.Value.ProfileArn);
        var names = await GroupNamesByIdAsync(ec2, scene.VpcId);
        Assert.All(new[] { scene.PrimaryEniId, scene.SecondaryEniId }, eni => Assert.Equal(["forensic+isolation", "conversion", "isolation"], GroupSets(eni, names)));
        var after = await ViewAsync(ec2, scene);
        Assert.All(after.GroupNames, names => Assert.Equal(["threat-response-isolation"], names));
        Assert.Null(after.ProfileArn);
        Assert.Equal("disabled", after.Metadata.Endpoint);
        Assert.Equal(2, Steps(Assert.Single(await World.NotificationsAsync())).Count(s => s.GetProperty("step").GetString() == "forensic-group"));
    }

    [Fact]
    public async Task CollectAction_InstanceIsolatedBeforeInAVpcWithoutEndpoints_SkippedSayingWhyAndNothingChanged()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        await IsolateByActionAsync(scene.InstanceId);

        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);
        World.AwsProxy.Clear();
        await World.NotificationsAsync();

        Assert.Equal("skipped", await CollectByActionAsync(scene.InstanceId));

        var collectStep = Steps(Assert.Single(await World.NotificationsAsync())).Single(s => s.GetProperty("step").GetString() == "collect");
        Assert.Contains("the instance is isolated, so its SSM agent cannot be reached", collectStep.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "SendCommand" or "ModifyNetworkInterfaceAttribute" or "AssociateIamInstanceProfile" or "ModifyInstanceMetadataOptions" or "CreateSecurityGroup");
    }

    /// <summary>
    /// The close's read-back fails (throttling, an outage): the window stays open — forensic group, quarantine profile,
    /// metadata endpoint on. Lambda's retry of that collect closes it, through the conversion group, and denies the
    /// credentials fetched through it.
    /// </summary>
    [Fact]
    public async Task CollectAction_TheClosesReadBackFailed_TheRetriedCollectClosesTheWindowThroughTheConversionGroup()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId);
        var quarantineProfile = await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        await IsolateByActionAsync(scene.InstanceId);
        using var s3 = await BucketAsync();
        var commands = 0;
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations, whenCommandRuns: () =>
        {
            // The first command's close reads the instance back next: that read fails, once.
            if (Interlocked.Increment(ref commands) == 1)
            {
                World.AwsProxy.Inject(c => c.Operation == "DescribeInstances", new ProxyFault.AwsError(403, RecordingProxy.Ec2Error("UnauthorizedOperation")), times: 1);
            }

            return Task.CompletedTask;
        });
        World.AwsProxy.Clear();
        await World.NotificationsAsync();
        using var collect = WithEvidenceSettings().Set("ACTION_TARGET_ARN", FunctionWorld.CollectAction).Runtime();
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId);
        @event["resources"]![0] = FunctionWorld.CollectAction;

        await Assert.ThrowsAsync<ThreatResponse.Core.Responses.ResponseFailedException>(() => FunctionWorld.InvokeAsync(new CollectEvidenceAction(collect).HandleAsync, @event));

        var leftOpen = await ViewAsync(ec2, scene);
        Assert.All(leftOpen.GroupNames, names => Assert.Equal(["threat-response-forensic", "threat-response-isolation"], names.Order()));
        Assert.Equal(quarantineProfile, leftOpen.ProfileArn);
        Assert.Equal("enabled", leftOpen.Metadata.Endpoint);
        Assert.Null(await MotoIam.GetRolePolicyAsync(Moto, "ThreatResponse-Quarantine", "ThreatResponse-WindowClosed-" + scene.InstanceId));
        World.AwsProxy.Clear();
        var retriedAt = DateTimeOffset.UtcNow;

        using (var retried = await FunctionWorld.InvokeAsync(new CollectEvidenceAction(collect).HandleAsync, @event))
        {
            FunctionWorld.AssertOutcome("succeeded", retried);
        }

        var after = await ViewAsync(ec2, scene);
        Assert.All(after.GroupNames, names => Assert.Equal(["threat-response-isolation"], names));
        Assert.Null(after.ProfileArn);
        Assert.Equal("disabled", after.Metadata.Endpoint);
        var names = await GroupNamesByIdAsync(ec2, scene.VpcId);
        Assert.All(new[] { scene.PrimaryEniId, scene.SecondaryEniId }, eni => Assert.Equal(["forensic+isolation", "conversion", "isolation"], GroupSets(eni, names)));
        await AssertWindowCredentialsDeniedAsync(scene.InstanceId, notBefore: retriedAt);
        Assert.Equal(2, commands);
    }

    /// <summary>
    /// Endpoints with the default (full access) policy: through the S3 gateway endpoint the host could write to any
    /// bucket of any account, through Systems Manager's the attacker's own credentials would be accepted. The collection
    /// is refused naming the policies to apply, and nothing of a window is made: no forensic group, no profile.
    /// </summary>
    [Theory]
    [InlineData("s3")]
    [InlineData("ssm")]
    public async Task CollectAction_AnEndpointWithTheDefaultPolicy_RefusedNamingThePolicyNothingChanged(string open)
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var shipped = EvidenceScene.ShippedEndpointPolicies(Bucket, "123456789012");
        await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId, policies: open == "s3" ? ("", shipped.SystemsManager) : (shipped.S3, ""));
        await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        await IsolateByActionAsync(scene.InstanceId);
        using var s3 = await BucketAsync();
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations);
        var before = await ViewAsync(ec2, scene);
        World.AwsProxy.Clear();
        await World.NotificationsAsync();

        Assert.Equal("skipped", await CollectByActionAsync(scene.InstanceId));

        var detail = Step(Steps(Assert.Single(await World.NotificationsAsync())), "collect").GetProperty("detail").GetString();
        Assert.Contains("do not confine the forensic window", detail, StringComparison.Ordinal);
        // moto, like EC2, gives an endpoint created without a policy the full-access one.
        Assert.Contains($"({open}): an Allow statement of its policy", detail, StringComparison.Ordinal);
        Assert.DoesNotContain($"({(open == "s3" ? "ssm" : "s3")}):", detail, StringComparison.Ordinal);
        Assert.Contains("templates/forensic-endpoint-policies.json", detail, StringComparison.Ordinal);
        Assert.Equal(before, await ViewAsync(ec2, scene) with { GroupNames = before.GroupNames });
        Assert.Equal(before.GroupNames.Select(n => string.Join(',', n)), (await ViewAsync(ec2, scene)).GroupNames.Select(n => string.Join(',', n)));
        Assert.Empty((await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("group-name", ["threat-response-forensic"])] })).SecurityGroups ?? []);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "SendCommand" or "ModifyNetworkInterfaceAttribute" or "AssociateIamInstanceProfile" or "ModifyInstanceMetadataOptions" or "CreateSecurityGroup" or "PutRolePolicy");
    }

    /// <summary>
    /// Each set of groups the functions asked for on the ENI, in the order the proxy received them: the names without
    /// "threat-response-", sorted and joined by "+".
    /// </summary>
    private List<string> GroupSets(string eniId, Dictionary<string, string> nameById) =>
        [.. World.AwsProxy.Calls
            .Where(c => c.Operation == "ModifyNetworkInterfaceAttribute")
            .Select(c => c.Body.Split('&').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).Select(p => (Key: p[0], Value: Uri.UnescapeDataString(p[1]))).ToList())
            .Where(parameters => parameters.Contains(("NetworkInterfaceId", eniId)))
            .Select(parameters => string.Join('+', parameters
                .Where(p => p.Key.StartsWith("SecurityGroupId.", StringComparison.Ordinal))
                .Select(p => nameById.TryGetValue(p.Value, out var name) ? name.Replace("threat-response-", "", StringComparison.Ordinal) : p.Value)
                .Order(StringComparer.Ordinal)))
            .Where(set => set.Length > 0)];

    private static async Task<Dictionary<string, string>> GroupNamesByIdAsync(AmazonEC2Client ec2, string vpcId) =>
        (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("vpc-id", [vpcId])] })).SecurityGroups.ToDictionary(g => g.GroupId, g => g.GroupName);

    /// <summary>
    /// The quarantine role (shared by every instance collected from) denies this instance's sessions issued before the
    /// window closed — the credentials it fetched through the window — and nothing else: read back from moto's IAM.
    /// </summary>
    private async Task AssertWindowCredentialsDeniedAsync(string instanceId, DateTimeOffset? notBefore = null)
    {
        var document = await MotoIam.GetRolePolicyAsync(Moto, "ThreatResponse-Quarantine", "ThreatResponse-WindowClosed-" + instanceId);
        Assert.NotNull(document);
        using var json = JsonDocument.Parse(document);
        var statement = Assert.Single(json.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal(("Deny", "*", "*"), (statement.GetProperty("Effect").GetString(), statement.GetProperty("Action").GetString(), statement.GetProperty("Resource").GetString()));
        var condition = statement.GetProperty("Condition");
        Assert.Equal($"arn:aws:ec2:us-east-1:123456789012:instance/{instanceId}", condition.GetProperty("StringEquals").GetProperty("ec2:SourceInstanceARN").GetString());
        var cutOff = DateTimeOffset.Parse(condition.GetProperty("DateLessThan").GetProperty("aws:TokenIssueTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(cutOff, notBefore?.AddSeconds(-1) ?? DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.Equal(["ThreatResponse-WindowClosed-" + instanceId, "ssm-agent-only"], (await MotoIam.ListRolePoliciesAsync(Moto, "ThreatResponse-Quarantine")).Where(n => n == "ssm-agent-only" || n.EndsWith(instanceId, StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The collecting rule's response when there is no channel for the instance: succeeded, isolated as plain isolation
    /// leaves it (only the isolation group, no profile, metadata endpoint off); returns the skipped collect step.
    /// </summary>
    private async Task<JsonElement> IsolatedPlainlyAsync(AmazonEC2Client ec2, ThreatResponse.LocalAws.DemoScene scene)
    {
        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        FunctionWorld.AssertOutcome("succeeded", output);
        var after = await ViewAsync(ec2, scene);
        Assert.All(after.GroupNames, names => Assert.Equal(["threat-response-isolation"], names));
        Assert.Null(after.ProfileArn);
        Assert.Equal("disabled", after.Metadata.Endpoint);
        var collect = Step(Steps(Assert.Single(await World.NotificationsAsync())), "collect");
        Assert.Equal("skipped", collect.GetProperty("outcome").GetString());
        return collect;
    }

    /// <summary>
    /// An instance isolated by the analyst's click in a VPC with the channel and the quarantine profile, the stand-in
    /// agent ready, the proxy's record and the notifications cleared; <c>during</c> is filled as the command starts.
    /// </summary>
    [Fact]
    public async Task CollectAction_InstanceIsolatedBeforeAndTheDocumentIsNotOurs_WindowNeverOpenedNothingSent()
    {
        using var ec2 = Moto.CreateEc2Client();
        var (scene, _, during) = await IsolatedBeforeWithAChannelAsync(ec2);
        using var s3 = await BucketAsync();
        using var ssm = new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementClient(MotoServerFixture.Credentials, Moto.Configure(new Amazon.SimpleSystemsManagement.AmazonSimpleSystemsManagementConfig()));
        var updated = await ssm.UpdateDocumentAsync(new Amazon.SimpleSystemsManagement.Model.UpdateDocumentRequest { Name = "ThreatResponse-CollectEvidence", Content = EvidenceDocumentPinningTests.Foreign, DocumentVersion = "$LATEST" });
        await ssm.UpdateDocumentDefaultVersionAsync(new Amazon.SimpleSystemsManagement.Model.UpdateDocumentDefaultVersionRequest { Name = "ThreatResponse-CollectEvidence", DocumentVersion = updated.DocumentDescription.DocumentVersion });
        var before = await ViewAsync(ec2, scene);

        await Assert.ThrowsAsync<ThreatResponse.Core.Responses.ResponseFailedException>(() => CollectByActionAsync(scene.InstanceId));

        // Refused before the window: no metadata endpoint, no quarantine profile, no forensic group on an ENI, nothing sent.
        // (Recognising a window left open looks up the VPC's channel, which may make its recorded forensic group.)
        Assert.Null(during.Value);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Operation is "SendCommand" or "ModifyNetworkInterfaceAttribute" or "ModifyInstanceMetadataOptions" or "AssociateIamInstanceProfile" or "ReplaceIamInstanceProfileAssociation");
        Assert.Equal(before, await ViewAsync(ec2, scene) with { GroupNames = before.GroupNames });
        Assert.Equal(before.GroupNames.Select(n => string.Join(',', n)), (await ViewAsync(ec2, scene)).GroupNames.Select(n => string.Join(',', n)));
        var step = Step(Steps(Assert.Single(await World.NotificationsAsync())), "send-command");
        Assert.Contains("the forensic window was not opened", step.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<(ThreatResponse.LocalAws.DemoScene Scene, string QuarantineProfile, System.Runtime.CompilerServices.StrongBox<InstanceView?> During)> IsolatedBeforeWithAChannelAsync(AmazonEC2Client ec2)
    {
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        await EvidenceScene.CreateForensicEndpointsAsync(ec2, scene.VpcId, scene.SubnetId);
        var quarantineProfile = await EvidenceScene.CreateQuarantineProfileAsync(Moto);
        await IsolateByActionAsync(scene.InstanceId);
        var during = new System.Runtime.CompilerServices.StrongBox<InstanceView?>();
        SsmAgentStandIn.Play(World, scene.InstanceId, Writable, Violations, whenCommandRuns: async () => during.Value = await ViewAsync(ec2, scene));
        World.AwsProxy.Clear();
        await World.NotificationsAsync();
        return (scene, quarantineProfile, during);
    }

    /// <summary>The analyst's "Isolate instance" on the finding; asserts it succeeded.</summary>
    private async Task IsolateByActionAsync(string instanceId)
    {
        using var isolate = World.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        using var isolated = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(isolate).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", instanceId));
        FunctionWorld.AssertOutcome("succeeded", isolated);
    }

    /// <summary>Then "Collect evidence" on the same finding (another click: another event); returns the outcome.</summary>
    private async Task<string?> CollectByActionAsync(string instanceId)
    {
        using var collect = WithEvidenceSettings().Set("ACTION_TARGET_ARN", FunctionWorld.CollectAction).Runtime();
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", instanceId);
        @event["resources"]![0] = FunctionWorld.CollectAction;
        @event["id"] = Guid.NewGuid().ToString();
        using var output = await FunctionWorld.InvokeAsync(new CollectEvidenceAction(collect).HandleAsync, @event);
        return output.RootElement.GetProperty("outcome").GetString();
    }

    private sealed record InstanceView(List<List<string>> GroupNames, string? ProfileArn, (string Endpoint, string Tokens, int HopLimit) Metadata);

    private static async Task<InstanceView> ViewAsync(AmazonEC2Client ec2, ThreatResponse.LocalAws.DemoScene scene)
    {
        var names = new List<List<string>> { await ec2.GroupNamesAsync(scene.PrimaryEniId), await ec2.GroupNamesAsync(scene.SecondaryEniId) };
        var association = (await ec2.DescribeIamInstanceProfileAssociationsAsync(new DescribeIamInstanceProfileAssociationsRequest { Filters = [new Filter("instance-id", [scene.InstanceId])] }))
            .IamInstanceProfileAssociations?.SingleOrDefault(a => a.State == IamInstanceProfileAssociationState.Associated);
        return new InstanceView(names, association?.IamInstanceProfile.Arn, await MetadataAsync(ec2, scene.InstanceId));
    }

    private static async Task<(string, string, int)> MetadataAsync(AmazonEC2Client ec2, string instanceId)
    {
        // moto leaves out the options of an instance launched without them: EC2's defaults.
        var options = (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0].MetadataOptions;
        return (options?.HttpEndpoint?.Value ?? "enabled", options?.HttpTokens?.Value ?? "optional", options?.HttpPutResponseHopLimit ?? 1);
    }

    private static System.Text.Json.Nodes.JsonNode ReleaseEvent(string instanceId) =>
        FunctionWorld.ProjectEvent("securityhub-custom-action-release-web-instance.json", instanceId);

}
