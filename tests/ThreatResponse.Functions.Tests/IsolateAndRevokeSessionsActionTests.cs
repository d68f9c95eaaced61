using System.Text.Json;
using ThreatResponse.Testing;
using ThreatResponse.Core.Containment.Credentials;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// The "Isolate + revoke" custom action and release, handler to moto's IAM and back; and automatic response, which
/// revokes nothing with the default playbook even where the deployment allows it.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class IsolateAndRevokeSessionsActionTests(MotoServerFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task IsolateAndRevoke_ThenRelease_PolicyWrittenNotified_KeptByTheReleaseUntilItsCredentialsExpireAndSaid_RemovedByAReleaseAfterThat()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        var role = scene.ProfileArn[(scene.ProfileArn.LastIndexOf('/') + 1)..];
        world.Set("REVOKE_SESSIONS", "true");

        using (var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.RevokeAction).Runtime())
        {
            var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json", scene.InstanceId);
            @event["resources"]![0] = FunctionWorld.RevokeAction;
            using var output = await FunctionWorld.InvokeAsync(new IsolateAndRevokeSessionsAction(runtime).HandleAsync, @event);
            Assert.Equal("succeeded", output.RootElement.GetProperty("outcome").GetString());
        }

        Assert.NotNull(SessionRevocationPolicy.CutOffOf(await MotoIam.GetRolePolicyAsync(Moto, role, SessionRevocationPolicy.PolicyName) ?? "none"));
        var notification = Assert.Single(await world.NotificationsAsync());
        Assert.Contains("revoked-sessions", notification.GetProperty("Subject").GetString(), StringComparison.Ordinal);
        using var document = JsonDocument.Parse(notification.GetProperty("Message").GetString()!);
        var steps = document.RootElement.GetProperty("report").GetProperty("instances")[0].GetProperty("steps").EnumerateArray();
        var revoked = Assert.Single(steps, s => s.GetProperty("step").GetString() == "revoke-sessions");
        Assert.Equal("revoke-sessions", revoked.GetProperty("action").GetString());
        Assert.Contains($"every instance using role {role} loses the credentials it holds now", revoked.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var cutOff = SessionRevocationPolicy.CutOffOf(await MotoIam.GetRolePolicyAsync(Moto, role, SessionRevocationPolicy.PolicyName) ?? "none")!.Value;
        using (var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.ReleaseAction).Runtime())
        {
            using var output = await FunctionWorld.InvokeAsync(new ReleaseInstanceAction(runtime).HandleAsync, FunctionWorld.ProjectEvent("securityhub-custom-action-release-web-instance.json", scene.InstanceId));
            Assert.Equal("succeeded", output.RootElement.GetProperty("outcome").GetString());
        }

        // Released, but credentials stolen before the cut-off may live 12 hours: the revocation stays, and on-call is told until when.
        Assert.Equal(cutOff, SessionRevocationPolicy.CutOffOf(await MotoIam.GetRolePolicyAsync(Moto, role, SessionRevocationPolicy.PolicyName) ?? "none"));
        var until = SessionRevocationPolicy.Format(cutOff.AddHours(12));
        var released = Assert.Single(await world.NotificationsAsync());
        Assert.Contains($"kept until {until}", released.GetProperty("Message").GetString(), StringComparison.Ordinal);

        // The analyst clicks again once they have expired: that release removes it.
        var later = new ShiftedTime(TimeSpan.FromHours(12).Add(TimeSpan.FromSeconds(2)));
        using (var runtime = world.Runtime(later))
        {
            var again = FunctionWorld.ProjectEvent("securityhub-custom-action-release-web-instance.json", scene.InstanceId);
            again["id"] = "0e6b7a52-2f41-4c0e-9d3a-7b1c5e8f9a20";
            using var output = await FunctionWorld.InvokeAsync(new ReleaseInstanceAction(runtime).HandleAsync, again);
            Assert.True(output.RootElement.GetProperty("outcome").GetString() == "succeeded", output.RootElement.ToString());
        }

        Assert.Null(await MotoIam.GetRolePolicyAsync(Moto, role, SessionRevocationPolicy.PolicyName));
    }

    /// <summary>The system clock, moved on: a later click without waiting for it.</summary>
    private sealed class ShiftedTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }

    [Fact]
    public async Task GuardDutyResponder_DefaultPlaybookWithRevokingAllowed_IsolatesAndWritesNoRolePolicy()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var ec2 = Moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(Moto, ec2);
        using var runtime = world.Set("REVOKE_SESSIONS", "true").Runtime();

        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, FunctionWorld.ProjectEvent("guardduty-backdoor-c2-web-instance.json", scene.InstanceId));

        Assert.Equal("succeeded", output.RootElement.GetProperty("outcome").GetString());
        Assert.DoesNotContain(world.AwsProxy.Calls, c => c.Service == "iam");
        Assert.Empty(await MotoIam.ListRolePoliciesAsync(Moto, scene.ProfileArn[(scene.ProfileArn.LastIndexOf('/') + 1)..]));
    }
}
