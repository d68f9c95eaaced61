using System.Text.Json;
using Amazon.EC2.Model;
using ThreatResponse.Aws;
using ThreatResponse.Testing;

namespace ThreatResponse.Cli.Tests.Commands;

[Collection(MotoCollectionDefinition.Name)]
public sealed class ContainmentCommandsTests(MotoServerFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task ContainThenRelease_Instance_PrintsReportsAndRestoresGroups()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);

        var (exit, stdout, stderr) = await RunAsync("contain", "--instance", scene.InstanceId, "--actions", "isolate,snapshot", "--finding-id", "incident-42");

        Assert.True(exit == 0, stderr);
        using (var report = JsonDocument.Parse(stdout))
        {
            Assert.Equal("succeeded", report.RootElement.GetProperty("outcome").GetString());
            Assert.Equal("incident-42", report.RootElement.GetProperty("findingId").GetString());
            var instance = Assert.Single(report.RootElement.GetProperty("instances").EnumerateArray().ToList());
            Assert.Equal("123456789012", instance.GetProperty("instance").GetProperty("account").GetString());
            Assert.Contains(instance.GetProperty("steps").EnumerateArray(), s => s.GetProperty("step").GetString() == "isolation-group" && s.GetProperty("outcome").GetString() == "succeeded");
        }

        Assert.Contains($"{scene.InstanceId} (web-1): succeeded", stderr, StringComparison.Ordinal);
        var isolated = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0].Groups;
        Assert.DoesNotContain(isolated, g => scene.PrimaryGroups.Contains(g.GroupId));

        var (releaseExit, releaseOut, releaseErr) = await RunAsync("release", "--instance", scene.InstanceId);

        Assert.True(releaseExit == 0, releaseErr);
        Assert.Contains("\"release\"", releaseOut, StringComparison.Ordinal);
        var restored = (await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [scene.PrimaryEniId] })).NetworkInterfaces[0].Groups;
        Assert.Equal(scene.PrimaryGroups, restored.Select(g => g.GroupId));
    }

    [Fact]
    public async Task Contain_RevokeSessionsNamedByTheOperator_WritesTheDenyPolicyWithoutTheFunctionsOptIn()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var role = scene.ProfileArn[(scene.ProfileArn.LastIndexOf('/') + 1)..];

        var (exit, stdout, stderr) = await RunAsync("contain", "--instance", scene.InstanceId, "--actions", "isolate,revoke-sessions");

        Assert.True(exit == 0, stderr);
        Assert.Contains("\"revoke-sessions\"", stdout, StringComparison.Ordinal);
        Assert.NotNull(ThreatResponse.Core.Containment.Credentials.SessionRevocationPolicy.CutOffOf(
            await MotoIam.GetRolePolicyAsync(Moto, role, ThreatResponse.Core.Containment.Credentials.SessionRevocationPolicy.PolicyName) ?? "none"));
    }

    [Fact]
    public async Task Release_RestoreMembership_PutsInstanceBackInServiceInItsGroup()
    {
        using var ec2 = Moto.CreateEc2Client();
        var fleet = await FleetScene.CreateAsync(Moto, ec2);
        var (exit, _, stderr) = await RunAsync("contain", "--instance", fleet.InstanceId, "--actions", "isolate");
        Assert.True(exit == 0, stderr);
        Assert.Equal("Standby", (await fleet.MembershipAsync(Moto))?.LifecycleState);

        var (releaseExit, releaseOut, releaseErr) = await RunAsync("release", "--instance", fleet.InstanceId, "--restore-membership");

        Assert.True(releaseExit == 0, releaseErr);
        Assert.Contains("restore-auto-scaling", releaseOut, StringComparison.Ordinal);
        Assert.Equal("InService", (await fleet.MembershipAsync(Moto))?.LifecycleState);
        Assert.Contains((fleet.InstanceId, 80), await fleet.RegisteredTargetsAsync(Moto));
    }

    [Fact]
    public async Task Release_Plain_ThenRestoreMembershipLater_TheLedgerKeptWhatItNeeds()
    {
        using var ec2 = Moto.CreateEc2Client();
        using var dynamoDb = new Amazon.DynamoDBv2.AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new Amazon.DynamoDBv2.AmazonDynamoDBConfig()));
        var table = await LocalAws.LedgerTable.CreateAsync(dynamoDb, "threat-response-ledger");
        var fleet = await FleetScene.CreateAsync(Moto, ec2);
        Assert.Equal(0, (await RunAsync(Moto.Endpoint, ["contain", "--instance", fleet.InstanceId, "--actions", "isolate"], table)).Exit);
        var (plainExit, _, plainErr) = await RunAsync(Moto.Endpoint, ["release", "--instance", fleet.InstanceId], table);
        Assert.True(plainExit == 0, plainErr);
        Assert.Equal("Standby", (await fleet.MembershipAsync(Moto))?.LifecycleState);

        var (exit, stdout, stderr) = await RunAsync(Moto.Endpoint, ["release", "--instance", fleet.InstanceId, "--restore-membership"], table);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Equal("InService", (await fleet.MembershipAsync(Moto))?.LifecycleState);
        Assert.Contains((fleet.InstanceId, 80), await fleet.RegisteredTargetsAsync(Moto));
        var (_, thirdOut, _) = await RunAsync(Moto.Endpoint, ["release", "--instance", fleet.InstanceId, "--restore-membership"], table);
        Assert.Contains("membership already restored", thirdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_NeverIsolated_ExitsOneAndSaysWhy()
    {
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);

        var (exit, stdout, stderr) = await RunAsync("release", "--instance", scene.InstanceId, "--account", MotoServerFixture.DefaultAccount);

        Assert.Equal(1, exit);
        Assert.Contains("\"failed\"", stdout, StringComparison.Ordinal);
        Assert.Contains("no saved pre-isolation state", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--instance", "i-XYZ", "--actions", "isolate", "is not an EC2 instance id")]
    [InlineData("--instance", "i-0123456789abcdef0", "--actions", "isolate,explode", "'explode' is not one of isolate, snapshot, stop, revoke-sessions, collect")]
    [InlineData("--instance", "i-0123456789abcdef0", "--actions", "snapshot,revoke-sessions", "revoke-sessions needs isolate")]
    [InlineData("--instance", "i-0123456789abcdef0", "--actions", ",", "name at least one")]
    [InlineData("--instance", "i-0123456789abcdef0", "--actions", "isolate", "--account", "12345", "is not a 12-digit AWS account id")]
    [InlineData("--instance", "i-0123456789abcdef0", "--actions", "isolate", "--region", "mars-1", "is not an AWS Region code")]
    public async Task Contain_BadInput_ExitsTwoWithoutTouchingAws(params string[] argsAndMessage)
    {
        var args = argsAndMessage[..^1];
        using var proxy = new RecordingProxy(Moto.Endpoint);

        var (exit, stdout, stderr) = await RunAsync(proxy.Endpoint, ["contain", .. args]);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains(argsAndMessage[^1], stderr, StringComparison.Ordinal);
        Assert.Empty(proxy.Calls);
    }

    [Fact]
    public async Task Contain_NoRegionAnywhere_ExitsTwo()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await CliApplication.RunAsync(["contain", "--instance", "i-0123456789abcdef0", "--actions", "isolate"], stdout, stderr, new AwsEnvironment(_ => null));

        Assert.Equal(2, exit);
        Assert.Contains("no Region", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkAclEntries_IsolatedInstanceTerminated_ListedThenRemovedWithItsState()
    {
        using var ec2 = Moto.CreateEc2Client();
        using var dynamoDb = new Amazon.DynamoDBv2.AmazonDynamoDBClient(MotoServerFixture.Credentials, Moto.Configure(new Amazon.DynamoDBv2.AmazonDynamoDBConfig()));
        var table = await LocalAws.LedgerTable.CreateAsync(dynamoDb, "threat-response-ledger");
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var kept = await Ec2Scene.CreateAsync(Moto, ec2, "web-2", scene.VpcId, scene.SubnetId, scene.ProfileArn);
        Assert.Equal(0, (await RunAsync(Moto.Endpoint, ["contain", "--instance", scene.InstanceId, "--instance", kept.InstanceId, "--actions", "isolate"], table)).Exit);
        await ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = scene.InstanceId, DisableApiTermination = false });
        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [scene.InstanceId] });
        async Task<List<string>> DenyCidrsAsync() =>
            [.. (await ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { Filters = [new Filter("vpc-id", [scene.VpcId])] })).NetworkAcls
                .SelectMany(a => a.Entries).Where(e => e.RuleAction.Value == "deny" && e.RuleNumber < 32767).Select(e => e.CidrBlock)];
        var terminatedAddresses = (await InstanceAddressesAsync(ec2, scene.InstanceId)).Select(a => a + "/32").ToList();
        Assert.Subset((await DenyCidrsAsync()).ToHashSet(), terminatedAddresses.ToHashSet());

        var (listExit, listOut, listErr) = await RunAsync(Moto.Endpoint, ["network-acl-entries"], table);

        Assert.True(listExit == 0, listErr);
        using (var listed = JsonDocument.Parse(listOut))
        {
            var orphan = Assert.Single(listed.RootElement.EnumerateArray().ToList());
            Assert.Equal(scene.InstanceId, orphan.GetProperty("instance").GetProperty("instanceId").GetString());
            Assert.Equal(4, orphan.GetProperty("entries").GetArrayLength());
        }

        var (removeExit, _, removeErr) = await RunAsync(Moto.Endpoint, ["network-acl-entries", "--remove"], table);

        Assert.True(removeExit == 0, removeErr);
        var left = await DenyCidrsAsync();
        Assert.DoesNotContain(left, terminatedAddresses.Contains);
        Assert.Equal(4, left.Count);
        var (_, again, _) = await RunAsync(Moto.Endpoint, ["network-acl-entries"], table);
        Assert.Equal(0, JsonDocument.Parse(again).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task NetworkAclEntries_NoLedger_RefusedWithTheReason()
    {
        var (exit, _, stderr) = await RunAsync("network-acl-entries");

        Assert.Equal(2, exit);
        Assert.Contains("LEDGER_TABLE_NAME is not set", stderr, StringComparison.Ordinal);
    }

    private static async Task<List<string>> InstanceAddressesAsync(Amazon.EC2.AmazonEC2Client ec2, string instanceId) =>
        [.. (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0].NetworkInterfaces
            .SelectMany(n => n.PrivateIpAddresses).Select(a => a.PrivateIpAddress)];

    private Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(Moto.Endpoint, args);

    /// <summary>Runs the CLI against <paramref name="endpoint"/> (the emulator, or a recording proxy in front of it).</summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(Uri endpoint, string[] args, string? ledgerTable = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var environment = new AwsEnvironment(name => name switch
        {
            "AWS_ENDPOINT_URL" => endpoint.ToString(),
            "AWS_REGION" => MotoServerFixture.DefaultRegion,
            "LEDGER_TABLE_NAME" => ledgerTable,
            _ => null,
        });
        var exit = await CliApplication.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
