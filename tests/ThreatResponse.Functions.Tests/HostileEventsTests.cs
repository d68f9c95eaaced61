using ThreatResponse.Core.Tests.Intake;
using ThreatResponse.Functions.Hosting;
using ThreatResponse.Testing;

namespace ThreatResponse.Functions.Tests;

/// <summary>
/// Malformed and hostile events through every function: each is refused with a clear error that names where it is
/// wrong, nothing reaches AWS, nothing crashes. The corpus is the intake tests' (linked source), with a few more here.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class HostileEventsTests(MotoServerFixture moto) : MotoTest(moto)
{
    private const string OtherAccount = "999988887777";

    public static TheoryData<string> Functions() =>
        ["GuardDutyResponder", "IsolateInstanceAction", "SnapshotInstanceAction", "StopInstanceAction", "ReleaseInstanceAction", "IsolateAndRevokeSessionsAction", "CollectEvidenceAction"];

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task Function_EveryMalformedEvent_RefusedWithPathAndNoAwsCall(string function)
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Runtime();
        var handler = FunctionWorld.Handler(function, runtime);
        world.AwsProxy.Clear();
        var cases = MalformedEventCorpus.Cases().Select(row => ((string)row[0], (JsonInput)row[1], (string)row[2])).ToList();
        // 1,000 findings are larger than any event EventBridge delivers: refused before parsing, at the root.
        cases.Add(("1,000 findings", new JsonInput(InlineEvents.CustomAction().With(e => e.Detail()["findings"] = MalformedEventCorpus.Repeat(InlineEvents.AsffFinding, 1000)).Utf8()), "$"));
        Assert.True(cases.Count >= 50, $"{cases.Count} cases");

        foreach (var (name, input, path) in cases)
        {
            using var stream = new MemoryStream(input.Bytes.ToArray());
            var error = await Assert.ThrowsAsync<InvalidEventException>(() => handler(stream));
            Assert.True(error.Message.Contains(path, StringComparison.Ordinal), $"{function}, {name}: '{error.Message}' does not name {path}");
            Assert.True(error.Message.Length < 2048, $"{function}, {name}: the error is {error.Message.Length} characters long");
        }

        Assert.Empty(world.AwsProxy.Calls);
        Assert.Empty(world.SecurityHub.Requests);
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task Function_CustomActionOfAnotherAccount_RefusedWithoutAwsCall(string function)
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.ActionOf(function)).Runtime();
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json");
        @event["resources"]![0] = FunctionWorld.ActionOf(function).Replace("123456789012", OtherAccount, StringComparison.Ordinal);
        world.AwsProxy.Clear();

        var error = await Assert.ThrowsAsync<InvalidEventException>(() => FunctionWorld.InvokeAsync(FunctionWorld.Handler(function, runtime), @event));

        Assert.Contains(function == "GuardDutyResponder" ? "GuardDutyFinding" : "$.resources", error.Message, StringComparison.Ordinal);
        Assert.Empty(world.AwsProxy.Calls);
    }

    [Fact]
    public async Task IsolateAction_InstanceOfAnAccountNotAllowed_SkippedNotifiedAndNeverTouched()
    {
        await using var world = await FunctionWorld.CreateAsync(Moto);
        using var runtime = world.Set("ACTION_TARGET_ARN", FunctionWorld.IsolateAction).Set("ALLOWED_ACCOUNTS", MotoServerFixture.DefaultAccount).Runtime();
        var @event = FunctionWorld.ProjectEvent("securityhub-custom-action-isolate-web-instance.json");
        var resource = @event["detail"]!["findings"]![0]!["Resources"]![0]!;
        resource["Id"] = $"arn:aws:ec2:us-east-1:{OtherAccount}:instance/i-0a1b2c3d4e5f60718";

        // A consistent finding of that account (an instance of another account than its finding's is refused earlier).
        @event["detail"]!["findings"]![0]!["AwsAccountId"] = OtherAccount;
        world.AwsProxy.Clear();

        using var output = await FunctionWorld.InvokeAsync(new IsolateInstanceAction(runtime).HandleAsync, @event);

        FunctionWorld.AssertOutcome("skipped", output);
        Assert.Contains("not in ALLOWED_ACCOUNTS", output.RootElement.GetProperty("findings")[0].GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(world.AwsProxy.Calls, c => c.Service is "ec2" or "sts");
        Assert.Single(await world.NotificationsAsync());
    }

}
