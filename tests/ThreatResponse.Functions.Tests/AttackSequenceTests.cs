using System.Text.Json;
using System.Text.Json.Nodes;
using ThreatResponse.Testing;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// GuardDuty attack sequences (Extended Threat Detection) through GuardDutyResponder against moto_server: every EC2
/// instance a sequence names is contained where it lives — member accounts through the member role — and a sequence
/// without instances is notified only.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class AttackSequenceTests(MotoServerFixture moto) : FunctionWorldTest(moto)
{
    private const string Constructed = "guardduty/guardduty-attacksequence-ec2-compromisedinstancegroup-constructed.json";
    private const string Member = "111122223333";

    [Fact]
    public void ConstructedEvent_ConformsToBotocoresGuardDutyModel()
    {
        using var @event = JsonDocument.Parse(File.ReadAllText(EventCorpus.PathOf(Constructed)));

        Assert.Empty(BotocoreModel.Load("guardduty").ValidateShape("Finding", @event.RootElement.GetProperty("detail")));
    }

    [Fact]
    public async Task GuardDutyResponder_EC2AttackSequence_ThreeInstancesInTwoAccounts_AllIsolatedWhereTheyLive()
    {
        using var home = Moto.CreateEc2Client();
        var first = await Ec2Scene.CreateAsync(Moto, home);
        var third = await Ec2Scene.CreateAsync(Moto, home, "web-2", first.VpcId, first.SubnetId, first.ProfileArn);
        using var member = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var second = await MemberAccountScene.LaunchAsync(member);
        var text = (await File.ReadAllTextAsync(EventCorpus.PathOf(Constructed)))
            .Replace("i-0a1b2c3d4e5f60711", first.InstanceId, StringComparison.Ordinal)
            .Replace("i-0a1b2c3d4e5f60722", second.InstanceId, StringComparison.Ordinal)
            .Replace("i-0a1b2c3d4e5f60733", third.InstanceId, StringComparison.Ordinal);

        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync, JsonNode.Parse(text)!);

        FunctionWorld.AssertOutcome("succeeded", output);
        Assert.Equal(["threat-response-isolation"], await home.GroupNamesAsync(first.PrimaryEniId));
        Assert.Equal(["threat-response-isolation"], await member.GroupNamesAsync(second.EniId));
        Assert.Equal(["threat-response-isolation"], await home.GroupNamesAsync(third.PrimaryEniId));
        Assert.Contains(World.AwsProxy.Calls, c => c.Operation == "AssumeRole" && c.Body.Contains(Uri.EscapeDataString($"arn:aws:iam::{Member}:role/ThreatResponseMember"), StringComparison.Ordinal));

        // The one notification and the finding's note say which signals made the sequence.
        var notification = Assert.Single(await World.NotificationsAsync());
        using var message = JsonDocument.Parse(notification.GetProperty("Message").GetString()!);
        var summary = message.RootElement.GetProperty("findings")[0].GetProperty("summary").GetString()!;
        Assert.Contains("attack sequence", summary, StringComparison.Ordinal);
        Assert.Contains("Backdoor:EC2/C&CActivity.B!DNS (FINDING)", summary, StringComparison.Ordinal);
        var note = World.SecurityHub.Finding(JsonNode.Parse(text)!["detail"]!["arn"]!.GetValue<string>())!.Note!;
        Assert.Contains("attack sequence", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuardDutyResponder_IamAttackSequence_NotifiedOnlyNothingChanged()
    {
        using var runtime = World.Runtime();
        using var output = await FunctionWorld.InvokeAsync(new GuardDutyResponder(runtime).HandleAsync,
            JsonNode.Parse(await File.ReadAllTextAsync(EventCorpus.PathOf("guardduty/guardduty-attacksequence-iam-compromisedcredentials-wrapped.json")))!);

        FunctionWorld.AssertOutcome("skipped", output);
        Assert.DoesNotContain(World.AwsProxy.Calls, c => c.Service == "ec2");
        var notification = Assert.Single(await World.NotificationsAsync());
        Assert.Contains("names no EC2 instance", notification.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }
}
