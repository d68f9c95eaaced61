using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using ThreatResponse.Aws.Ledger;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using ThreatResponse.Core.Containment.Credentials;

namespace ThreatResponse.Aws.Tests.Iam;

/// <summary>
/// <c>revoke-sessions</c> and its release against moto_server's IAM, through a recording proxy: assertions read the
/// role's inline policies back from IAM (GetRolePolicy), the saved state from the ledger, and the IAM calls made.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class RevokeSessionsOnIamTests(MotoServerFixture moto) : MotoTest(moto), IDisposable
{
    private const string FindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/d1/finding/5eb7d2599b228a6564523732e2b8757c";
    private const string Table = "threat-response-ledger";
    private const string Ours = SessionRevocationPolicy.PolicyName;
    private const string ConsolesPolicy = "AWSRevokeOlderSessions";
    private const string ConsolesDocument = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2024-05-01T10:00:00.000Z"}}}]}""";
    private static readonly ContainmentAction[] IsolateAndRevoke = [ContainmentAction.Isolate, ContainmentAction.RevokeSessions];

    private RecordingProxy? _proxy;
    private Amazon.EC2.AmazonEC2Client? _ec2;
    private readonly List<AwsCompositionRoot> _roots = [];

    private RecordingProxy Proxy => _proxy ??= new RecordingProxy(Moto.Endpoint);

    private Amazon.EC2.AmazonEC2Client Ec2 => _ec2 ??= Moto.CreateEc2Client();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var dynamoDb = DynamoDb();
        await LedgerTable.CreateAsync(dynamoDb, Table);
    }

    public void Dispose()
    {
        _roots.ForEach(r => r.Dispose());
        _ec2?.Dispose();
        _proxy?.Dispose();
    }

    [Fact]
    public async Task IsolateWithRevokeSessions_InstanceWithRole_DenyPolicyOnItsRoleConditionedOnTokenIssueTimeAndSaved()
    {
        var (instance, role) = await SceneAsync();
        await MotoIam.PutRolePolicyAsync(Moto, role, ConsolesPolicy, ConsolesDocument);
        var before = DateTimeOffset.UtcNow;

        var report = await RunAsync(instance, IsolateAndRevoke);

        var after = DateTimeOffset.UtcNow;
        Assert.True(report.Outcome == StepOutcome.Succeeded, Assert.Single(report.Instances).Reason);
        var cutOff = AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Assert.InRange(cutOff, before.AddSeconds(-1), after.AddSeconds(1));
        Assert.Equal(ConsolesDocument, await MotoIam.GetRolePolicyAsync(Moto, role, ConsolesPolicy));
        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "revoke-sessions");
        Assert.Equal((StepOutcome.Succeeded, role), (step.Outcome, step.Target));
        Assert.Contains($"every instance using role {role} loses the credentials it holds now until they refresh", step.Detail, StringComparison.Ordinal);

        // The role came from EC2 and IAM: the instance's profile, asked of IAM; the state says what release removes.
        var saved = await new DynamoDbIsolationStateStore(DynamoDb(), Table).LoadAsync(instance, CancellationToken.None);
        Assert.Equal(new RevokedSessions(role, Ours, cutOff), saved?.RevokedSessions);
        Assert.Equal(["GetInstanceProfile", "GetRolePolicy", "PutRolePolicy"], IamCalls());
    }

    [Fact]
    public async Task Release_BeforeTheRevokedCredentialsExpire_KeepsOurPolicyAndSaysUntilWhen()
    {
        var (instance, role) = await SceneAsync();
        await RunAsync(instance, IsolateAndRevoke);
        var cutOff = AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));

        // Eleven hours on: credentials issued just before the cut-off may still be valid.
        var released = await RunAsync(instance, [ContainmentAction.Release], time: new ShiftedTime(TimeSpan.FromHours(11)));

        Assert.True(released.Outcome == StepOutcome.Succeeded, Assert.Single(released.Instances).Reason);
        Assert.Equal(cutOff, AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours)));
        Assert.DoesNotContain("DeleteRolePolicy", IamCalls());
        var until = SessionRevocationPolicy.Format(cutOff.AddHours(12));
        var step = Assert.Single(Assert.Single(released.Instances).Steps, s => s.Step == "remove-revoked-sessions");
        Assert.StartsWith($"kept until {until}", step.Detail, StringComparison.Ordinal);

        // The instance is released, and the state remembers the revocation is still to be removed.
        var saved = await new DynamoDbIsolationStateStore(DynamoDb(), Table).LoadAsync(instance, CancellationToken.None);
        Assert.NotNull(saved?.ReleasedAt);
        Assert.Equal(new RevokedSessions(role, Ours, cutOff), saved.RevokedSessions);
        Assert.Null(saved.RevokedSessionsEndedAt);
    }

    [Fact]
    public async Task ReleaseAgain_AfterTheRevokedCredentialsExpired_DeletesTheKeptPolicyAndRecordsItEnded_ThirdReleaseChangesNothing()
    {
        var (instance, role) = await SceneAsync();
        await MotoIam.PutRolePolicyAsync(Moto, role, ConsolesPolicy, ConsolesDocument);
        await RunAsync(instance, IsolateAndRevoke);
        await RunAsync(instance, [ContainmentAction.Release]);
        AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Proxy.Clear();

        var later = new ShiftedTime(TimeSpan.FromHours(12).Add(TimeSpan.FromSeconds(2)));
        var again = await RunAsync(instance, [ContainmentAction.Release], time: later);

        Assert.True(again.Outcome == StepOutcome.Succeeded, Assert.Single(again.Instances).Reason);
        Assert.Null(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Assert.Equal([ConsolesPolicy], await MotoIam.ListRolePoliciesAsync(Moto, role));
        var step = Assert.Single(Assert.Single(again.Instances).Steps, s => s.Step == "remove-revoked-sessions");
        Assert.StartsWith($"deleted inline policy {Ours} from {role}", step.Detail, StringComparison.Ordinal);
        var saved = await new DynamoDbIsolationStateStore(DynamoDb(), Table).LoadAsync(instance, CancellationToken.None);
        Assert.NotNull(saved?.RevokedSessionsEndedAt);
        Assert.NotNull(saved.ReleasedAt);

        Proxy.Clear();
        var third = await RunAsync(instance, [ContainmentAction.Release], time: later);
        Assert.Equal(StepOutcome.Skipped, third.Outcome);
        Assert.Empty(IamCalls());
    }

    [Fact]
    public async Task IsolateAgainWithoutRevoking_WhileAReleasedRevocationIsPending_CarriedOverAndRemovedByTheNextReleaseInItsTime()
    {
        var (instance, role) = await SceneAsync();
        await RunAsync(instance, IsolateAndRevoke);
        var cutOff = AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        await RunAsync(instance, [ContainmentAction.Release]);

        // Isolated again an hour later without revoke-sessions: the pending revocation must not lose its record.
        var again = await RunAsync(instance, [ContainmentAction.Isolate], time: new ShiftedTime(TimeSpan.FromHours(1)));
        Assert.True(again.Outcome == StepOutcome.Succeeded, Assert.Single(again.Instances).Reason);
        var saved = await new DynamoDbIsolationStateStore(DynamoDb(), Table).LoadAsync(instance, CancellationToken.None);
        Assert.Equal(new RevokedSessions(role, Ours, cutOff), saved?.RevokedSessions);
        Assert.NotEmpty(saved!.AclEntries ?? []);

        var released = await RunAsync(instance, [ContainmentAction.Release], time: new ShiftedTime(TimeSpan.FromHours(13)));

        Assert.True(released.Outcome == StepOutcome.Succeeded, Assert.Single(released.Instances).Reason);
        Assert.Null(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
    }

    [Fact]
    public async Task Release_AfterTheRevokedCredentialsExpired_DeletesExactlyOurPolicyAndLeavesTheConsolesOwn()
    {
        var (instance, role) = await SceneAsync();
        await MotoIam.PutRolePolicyAsync(Moto, role, ConsolesPolicy, ConsolesDocument);
        await RunAsync(instance, IsolateAndRevoke);

        var released = await RunAsync(instance, [ContainmentAction.Release], time: AfterExpiry);

        Assert.True(released.Outcome == StepOutcome.Succeeded, Assert.Single(released.Instances).Reason);
        Assert.Null(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Assert.Equal([ConsolesPolicy], await MotoIam.ListRolePoliciesAsync(Moto, role));
        var step = Assert.Single(Assert.Single(released.Instances).Steps, s => s.Step == "remove-revoked-sessions");
        Assert.Equal(StepOutcome.Succeeded, step.Outcome);
        Assert.StartsWith($"deleted inline policy {Ours} from {role}", step.Detail, StringComparison.Ordinal);
        Assert.NotNull((await new DynamoDbIsolationStateStore(DynamoDb(), Table).LoadAsync(instance, CancellationToken.None))?.RevokedSessionsEndedAt);
    }

    [Fact]
    public async Task Release_OurPolicyAlreadyDeletedByHand_SucceedsSayingItIsGone()
    {
        var (instance, role) = await SceneAsync();
        await RunAsync(instance, IsolateAndRevoke);
        await MotoIam.DeleteRolePolicyAsync(Moto, role, Ours);

        var released = await RunAsync(instance, [ContainmentAction.Release]);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        var step = Assert.Single(Assert.Single(released.Instances).Steps, s => s.Step == "remove-revoked-sessions");
        Assert.Equal(StepOutcome.Succeeded, step.Outcome);
        Assert.StartsWith("already gone", step.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("DeleteRolePolicy", IamCalls());
    }

    [Fact]
    public async Task Release_RoleRevokedAgainLaterByAnotherResponse_LeavesThatRevocationInPlace()
    {
        var (instance, role) = await SceneAsync();
        await RunAsync(instance, IsolateAndRevoke);
        var later = SessionRevocationPolicy.Document(DateTimeOffset.UtcNow.AddHours(1));
        await MotoIam.PutRolePolicyAsync(Moto, role, Ours, later);

        var released = await RunAsync(instance, [ContainmentAction.Release]);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        Assert.Equal(later, await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Assert.StartsWith("left in place", Assert.Single(Assert.Single(released.Instances).Steps, s => s.Step == "remove-revoked-sessions").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeSessions_RoleHasOurPolicyWithAnEarlierCutOff_CutOffMovedToNowAndReleaseRemovesIt()
    {
        var (instance, role) = await SceneAsync();
        await MotoIam.PutRolePolicyAsync(Moto, role, Ours, SessionRevocationPolicy.Document(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var report = await RunAsync(instance, IsolateAndRevoke);

        var cutOff = AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Assert.True(cutOff > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Contains("its cut-off was 2020-01-01T00:00:00Z: moved to now", Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "revoke-sessions").Detail, StringComparison.Ordinal);

        await RunAsync(instance, [ContainmentAction.Release], time: AfterExpiry);
        Assert.Null(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
    }

    [Fact]
    public async Task RevokeSessions_Repeated_AlreadyInForceAndCutOffKept()
    {
        var (instance, role) = await SceneAsync();
        await RunAsync(instance, IsolateAndRevoke);
        var first = await MotoIam.GetRolePolicyAsync(Moto, role, Ours);

        var again = await RunAsync(instance, IsolateAndRevoke);

        Assert.Equal(first, await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Assert.StartsWith("already in force", Assert.Single(Assert.Single(again.Instances).Steps, s => s.Step == "revoke-sessions").Detail, StringComparison.Ordinal);
        Assert.Single(IamCalls(), c => c == "PutRolePolicy");
    }

    [Fact]
    public async Task RevokeSessions_AfterAnIsolationThatDisassociatedTheProfile_RoleFoundFromTheSavedState()
    {
        var (instance, role) = await SceneAsync();
        await RunAsync(instance, [ContainmentAction.Isolate]);
        Assert.Null(await ThreatResponse.Aws.Tests.Ec2.Ec2World.AssociatedProfileAsync(Ec2, instance.InstanceId.Value));

        var report = await RunAsync(instance, IsolateAndRevoke);

        Assert.True(report.Outcome == StepOutcome.Succeeded, Assert.Single(report.Instances).Reason);
        AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        await RunAsync(instance, [ContainmentAction.Release], time: AfterExpiry);
        Assert.Null(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
    }

    [Fact]
    public async Task RevokeSessions_InstanceWithoutProfile_SkippedNoRoleAndNoIamCall()
    {
        var (instanceId, _) = await MemberAccountScene.LaunchAsync(Ec2);
        var instance = Home(instanceId);

        var report = await RunAsync(instance, IsolateAndRevoke);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "revoke-sessions");
        Assert.Equal(StepOutcome.Skipped, step.Outcome);
        Assert.StartsWith("skipped: no role", step.Detail, StringComparison.Ordinal);
        Assert.Empty(IamCalls());
    }

    [Fact]
    public async Task RevokeSessions_ProfileHoldingNoRole_SkippedNoRole()
    {
        var profile = await MotoIam.CreateEmptyInstanceProfileAsync(Moto, "empty-profile");
        var (instanceId, _) = await MemberAccountScene.LaunchAsync(Ec2, profile);

        var report = await RunAsync(Home(instanceId), IsolateAndRevoke);

        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "revoke-sessions");
        Assert.Equal(StepOutcome.Skipped, step.Outcome);
        Assert.StartsWith("skipped: no role", step.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("PutRolePolicy", IamCalls());
    }

    [Theory]
    [InlineData("ThreatResponseMember", "/")]
    [InlineData("threat-response-GuardDutyResponderRole-1A2B3C", "/threat-response/threat-response/")]
    public async Task RevokeSessions_InstanceRoleIsThreatResponsesOwn_RefusedAndNothingWritten(string roleName, string path)
    {
        var profile = await MotoIam.CreateInstanceProfileAsync(Moto, roleName, path);
        var (instanceId, _) = await MemberAccountScene.LaunchAsync(Ec2, profile);

        var report = await RunAsync(Home(instanceId), IsolateAndRevoke);

        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "revoke-sessions");
        Assert.Equal((StepOutcome.Skipped, roleName), (step.Outcome, step.Target));
        Assert.StartsWith("refused", step.Detail, StringComparison.Ordinal);
        Assert.Empty(await MotoIam.ListRolePoliciesAsync(Moto, roleName));
        Assert.DoesNotContain("PutRolePolicy", IamCalls());
    }

    [Fact]
    public async Task RevokeSessions_NotEnabledInTheDeployment_SkippedAndNoIamCall()
    {
        var (instance, role) = await SceneAsync();

        var report = await RunAsync(instance, IsolateAndRevoke, revokeSessions: false);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "revoke-sessions");
        Assert.Equal(StepOutcome.Skipped, step.Outcome);
        Assert.Contains("EnableRevokeSessions", step.Detail, StringComparison.Ordinal);
        Assert.Empty(IamCalls());
        Assert.Empty(await MotoIam.ListRolePoliciesAsync(Moto, role));
    }

    [Fact]
    public async Task RevokeSessions_DryRun_SaysNotCheckedAndWritesNothing()
    {
        var (instance, role) = await SceneAsync();

        var report = await RunAsync(instance, IsolateAndRevoke, dryRun: true);

        var step = Assert.Single(Assert.Single(report.Instances).Steps, s => s.Step == "revoke-sessions");
        Assert.Equal((StepOutcome.DryRun, role), (step.Outcome, step.Target));
        Assert.Contains("IAM has no DryRun, so the write was not checked", step.Detail, StringComparison.Ordinal);
        Assert.Empty(await MotoIam.ListRolePoliciesAsync(Moto, role));
        Assert.Equal(["GetInstanceProfile"], IamCalls());
    }

    [Fact]
    public async Task Release_StateKeptInTags_RevocationNotRemovedOnTheWordOfTags()
    {
        var (instance, role) = await SceneAsync();
        await RunAsync(instance, IsolateAndRevoke, ledger: false);
        AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));

        var released = await RunAsync(instance, [ContainmentAction.Release], ledger: false);

        var step = Assert.Single(Assert.Single(released.Instances).Steps, s => s.Step == "remove-revoked-sessions");
        Assert.Equal(StepOutcome.Skipped, step.Outcome);
        Assert.Contains("anyone who can tag the instance", step.Detail, StringComparison.Ordinal);
        AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, role, Ours));
        Assert.DoesNotContain("DeleteRolePolicy", IamCalls());
    }

    [Fact]
    public async Task RevokeSessions_InstanceInMemberAccount_WrittenOnTheMembersRoleThroughTheMemberRole()
    {
        const string Member = "111122223333";
        var memberKey = await MemberAccountScene.AccessKeyInAsync(Moto, Member);
        var profile = await MotoIam.CreateInstanceProfileAsync(Moto, "member-app", accessKeyId: memberKey);
        Assert.Contains($":{Member}:", profile, StringComparison.Ordinal);
        using var memberEc2 = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var (instanceId, _) = await MemberAccountScene.LaunchAsync(memberEc2, profile);
        var instance = new InstanceReference(InstanceId.Parse(instanceId), Member, MotoServerFixture.DefaultRegion);

        var report = await RunAsync(instance, IsolateAndRevoke);

        Assert.True(report.Outcome == StepOutcome.Succeeded, Assert.Single(report.Instances).Reason);
        AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, "member-app", Ours, memberKey));
        Assert.Contains(Proxy.Calls, c => c.Operation == "AssumeRole" && c.Body.Contains("ThreatResponseMember", StringComparison.Ordinal));

        // Released at once: the revocation outlives it on the member's role (a clock 12 hours on cannot be used here:
        // the member role's session, issued by STS on the real clock, would look expired).
        var released = await RunAsync(instance, [ContainmentAction.Release]);
        Assert.StartsWith("kept until", Assert.Single(Assert.Single(released.Instances).Steps, s => s.Step == "remove-revoked-sessions").Detail, StringComparison.Ordinal);
        AssertOurDenyPolicy(await MotoIam.GetRolePolicyAsync(Moto, "member-app", Ours, memberKey));
    }

    [Fact]
    public async Task Requests_Iam_ConformToBotocoresModel()
    {
        var (instance, _) = await SceneAsync();
        await RunAsync(instance, IsolateAndRevoke);
        await RunAsync(instance, [ContainmentAction.Release], time: AfterExpiry);
        var model = BotocoreModel.Load("iam");

        var calls = Proxy.Calls.Where(c => c.Service == "iam").ToList();
        Assert.Equal(["DeleteRolePolicy", "GetInstanceProfile", "GetRolePolicy", "PutRolePolicy"], calls.Select(c => c.Operation).Distinct().Order(StringComparer.Ordinal));
        foreach (var call in calls)
        {
            var form = System.Web.HttpUtility.ParseQueryString(call.Body);
            Assert.Equal(model.Metadata.GetProperty("apiVersion").GetString(), form["Version"]);
            var input = form.AllKeys.OfType<string>().Where(k => k is not ("Action" or "Version")).ToDictionary(k => k, k => form[k]!);
            using var json = JsonDocument.Parse(JsonSerializer.Serialize(input));
            Assert.Empty(model.Validate(call.Operation, json.RootElement));
        }
    }

    /// <summary>The document is ThreatResponse's deny of older sessions; returns its cut-off.</summary>
    private static DateTimeOffset AssertOurDenyPolicy(string? document)
    {
        Assert.NotNull(document);
        using var json = JsonDocument.Parse(document);
        var statement = Assert.Single(json.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal("Deny", statement.GetProperty("Effect").GetString());
        Assert.Equal("*", statement.GetProperty("Action").GetString());
        Assert.Equal("*", statement.GetProperty("Resource").GetString());
        var condition = Assert.Single(statement.GetProperty("Condition").EnumerateObject());
        Assert.Equal("DateLessThan", condition.Name);
        var issued = Assert.Single(condition.Value.EnumerateObject());
        Assert.Equal("aws:TokenIssueTime", issued.Name);
        return DateTimeOffset.ParseExact(issued.Value.GetString()!, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    /// <summary>The demo's instance, whose profile holds a role of the same name.</summary>
    private async Task<(InstanceReference Instance, string Role)> SceneAsync()
    {
        var scene = await Ec2Scene.CreateAsync(Moto, Ec2);
        return (Home(scene.InstanceId), scene.ProfileArn[(scene.ProfileArn.LastIndexOf('/') + 1)..]);
    }

    private static InstanceReference Home(string instanceId) => new(InstanceId.Parse(instanceId), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);

    private List<string> IamCalls() => [.. Proxy.Calls.Where(c => c.Service == "iam").Select(c => c.Operation)];

    /// <summary>Past the revocation's keep-until (its cut-off, within the run's second, plus 12 hours).</summary>
    private static readonly ShiftedTime AfterExpiry = new(TimeSpan.FromHours(12).Add(TimeSpan.FromSeconds(2)));

    /// <summary>The clock some hours on, to release after the credentials a revocation denies have expired.</summary>
    private sealed class ShiftedTime(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }

    private async Task<ContainmentReport> RunAsync(InstanceReference instance, IReadOnlyList<ContainmentAction> actions, bool revokeSessions = true, bool dryRun = false, bool ledger = true, TimeProvider? time = null)
    {
        var aws = new AwsCompositionRoot(
            new AwsEnvironment(name => name switch
            {
                "AWS_ENDPOINT_URL" => Proxy.Endpoint.ToString(),
                "AWS_REGION" => MotoServerFixture.DefaultRegion,
                "HOME_ACCOUNT_ID" => MotoServerFixture.DefaultAccount,
                "LEDGER_TABLE_NAME" => ledger ? Table : null,
                "REVOKE_SESSIONS" => revokeSessions ? "true" : null,
                _ => null,
            }),
            time ?? TimeProvider.System,
            _ => Task.FromResult(MotoServerFixture.Credentials));
        _roots.Add(aws);
        return await aws.Engine.RunAsync(new ContainmentRequest(FindingId, [instance], actions, dryRun), CancellationToken.None);
    }

    private AmazonDynamoDBClient DynamoDb() => new(MotoServerFixture.Credentials, Moto.Configure(new AmazonDynamoDBConfig()));
}
