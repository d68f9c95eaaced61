using Amazon.EC2.Model;
using ThreatResponse.Aws.Accounts;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Testing;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Aws.Tests.Accounts;

/// <summary>
/// Containment across accounts and Regions from the security account, against moto_server, which keeps accounts apart
/// by the assumed role's credentials. The functions run as 123456789012; members are other accounts.
/// </summary>
[Collection(MotoCollectionDefinition.Name)]
public sealed class MemberAccountContainmentTests(MotoServerFixture moto) : MotoTest(moto), IDisposable
{
    private const string Home = MotoServerFixture.DefaultAccount;
    private const string Member = "111122223333";
    private const string FindingId = "arn:aws:guardduty:us-east-1:111122223333:detector/d1/finding/5eb7d2599b228a6564523732e2b8757c";
    private RecordingProxy? _proxy;

    private RecordingProxy Proxy => _proxy ??= new RecordingProxy(Moto.Endpoint);

    public void Dispose() => _proxy?.Dispose();

    [Fact]
    public async Task Isolate_InstanceInMemberAccount_AssumesMemberRoleNamedForFindingAndIsolatesThere()
    {
        using var memberEc2 = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var (instanceId, eniId) = await MemberAccountScene.LaunchAsync(memberEc2);

        var report = await Engine().RunAsync(Request(new InstanceReference(InstanceId.Parse(instanceId), Member, "us-east-1")), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var eni = (await memberEc2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] })).NetworkInterfaces[0];
        Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName);
        using var homeEc2 = Moto.CreateEc2Client();
        Assert.Empty((await homeEc2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = [new Filter("instance-id", [instanceId])] })).Reservations ?? []);
        var assume = Assert.Single(Proxy.Calls, c => c.Operation == "AssumeRole");
        Assert.Equal("sts", assume.Service);
        Assert.Contains($"RoleArn={Uri.EscapeDataString($"arn:aws:iam::{Member}:role/ThreatResponseMember")}", assume.Body, StringComparison.Ordinal);
        Assert.Contains("RoleSessionName=ThreatResponse-5eb7d2599b228a6564523732e2b8757c", assume.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolate_TwoFindingsInOneRequest_EachInstanceActedOnUnderItsOwnFindingsSession()
    {
        using var memberEc2 = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var (first, _) = await MemberAccountScene.LaunchAsync(memberEc2);
        var (second, _) = await MemberAccountScene.LaunchAsync(memberEc2);
        var firstRef = new InstanceReference(InstanceId.Parse(first), Member, "us-east-1");
        var secondRef = new InstanceReference(InstanceId.Parse(second), Member, "us-east-1");
        const string OtherFinding = "arn:aws:guardduty:us-east-1:111122223333:detector/d1/finding/77aa00000000000000000000000000bb";
        var request = new ContainmentRequest(null, [firstRef, secondRef], [ContainmentAction.Isolate], DryRun: false)
        {
            FindingIdByInstance = new Dictionary<InstanceReference, string> { [firstRef] = FindingId, [secondRef] = OtherFinding },
        };

        var report = await Engine().RunAsync(request, CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var sessions = Proxy.Calls.Where(c => c.Operation == "AssumeRole")
            .Select(c => System.Text.RegularExpressions.Regex.Match(c.Body, "RoleSessionName=([^&]+)").Groups[1].Value)
            .ToHashSet();
        Assert.Contains("ThreatResponse-5eb7d2599b228a6564523732e2b8757c", sessions);
        Assert.Contains("ThreatResponse-77aa00000000000000000000000000bb", sessions);
        Assert.Contains(sessions, s => s.StartsWith("ThreatResponse-tr-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_InstanceInOtherRegionOfHomeAccount_IsolatedWithoutAssumingAnyRole()
    {
        using var homeEuWest = Moto.CreateEc2Client("eu-west-1");
        var (instanceId, eniId) = await MemberAccountScene.LaunchAsync(homeEuWest);

        var report = await Engine().RunAsync(Request(new InstanceReference(InstanceId.Parse(instanceId), Home, "eu-west-1")), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var eni = (await homeEuWest.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] })).NetworkInterfaces[0];
        Assert.Equal("threat-response-isolation", Assert.Single(eni.Groups).GroupName);
        Assert.DoesNotContain(Proxy.Calls, c => c.Operation == "AssumeRole");
    }

    [Fact]
    public async Task Isolate_MemberAccountNotAllowed_SkippedBeforeAnyRoleIsAssumed()
    {
        using var memberEc2 = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var (instanceId, eniId) = await MemberAccountScene.LaunchAsync(memberEc2);
        var options = new ContainmentOptions { AllowedAccounts = new HashSet<string> { Home } };

        var report = await Engine(options).RunAsync(Request(new InstanceReference(InstanceId.Parse(instanceId), Member, "us-east-1")), CancellationToken.None);

        Assert.Equal(StepOutcome.Skipped, report.Outcome);
        Assert.Contains("not in ALLOWED_ACCOUNTS", report.Instances[0].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Proxy.Calls, c => c.Operation is "AssumeRole" || c.Service == "ec2");
        var eni = (await memberEc2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] })).NetworkInterfaces[0];
        Assert.NotEqual("threat-response-isolation", Assert.Single(eni.Groups).GroupName);
    }

    [Fact]
    public async Task Isolate_MemberRoleNotAssumable_ThatInstanceFailsNamingRoleAndAccountOthersProceed()
    {
        using var homeEc2 = Moto.CreateEc2Client();
        var (homeInstance, _) = await MemberAccountScene.LaunchAsync(homeEc2);
        Proxy.FailWhen(body => body.Contains("Action=AssumeRole", StringComparison.Ordinal) && body.Contains("222233334444", StringComparison.Ordinal),
            403, RecordingProxy.QueryError("AccessDenied", "User is not authorized to perform: sts:AssumeRole"));
        var member = new InstanceReference(InstanceId.Parse("i-0123456789abcdef0"), "222233334444", "us-east-1");

        var report = await Engine().RunAsync(Request(new InstanceReference(InstanceId.Parse(homeInstance), Home, "us-east-1"), member), CancellationToken.None);

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var failed = Assert.Single(report.Instances, i => i.Instance == member);
        var lookup = Assert.Single(failed.Steps, s => s.Step == "lookup");
        Assert.Equal(("AccessDenied", StepOutcome.Failed), (lookup.ErrorCode, lookup.Outcome));
        Assert.Contains("arn:aws:iam::222233334444:role/ThreatResponseMember", lookup.Detail, StringComparison.Ordinal);
        Assert.Contains("account 222233334444", lookup.Detail, StringComparison.Ordinal);
        Assert.Equal(StepOutcome.Succeeded, Assert.Single(report.Instances, i => i.Instance != member).Outcome);
    }

    [Fact]
    public async Task Isolate_SessionsLimitedToAFunction_AssumeRoleCarriesItsPolicyAndAWiderLimitGetsANewSession()
    {
        using var memberEc2 = await MemberAccountScene.Ec2InAsync(Moto, Member);
        var (instanceId, _) = await MemberAccountScene.LaunchAsync(memberEc2);
        var engine = Engine(accounts: out var accounts);
        Assert.Null(accounts.SessionPolicy);
        accounts.LimitSessionsTo("IsolateInstanceAction", revokeSessions: false);

        var report = await engine.RunAsync(Request(new InstanceReference(InstanceId.Parse(instanceId), Member, "us-east-1")), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var isolate = MemberSessionPolicy.Document(["IsolateInstanceAction"], false, "aws");
        Assert.Equal(isolate, accounts.SessionPolicy);
        Assert.Equal([isolate], Proxy.Calls.Where(c => c.Operation == "AssumeRole").Select(c => System.Web.HttpUtility.ParseQueryString(c.Body)["Policy"]));

        // A session assumed under one policy is never reused under another.
        accounts.LimitSessionsTo("ReleaseInstanceAction", revokeSessions: false);
        var released = await engine.RunAsync(new ContainmentRequest(FindingId, [new InstanceReference(InstanceId.Parse(instanceId), Member, "us-east-1")], [ContainmentAction.Release], DryRun: false), CancellationToken.None);

        Assert.Equal(StepOutcome.Succeeded, released.Outcome);
        var both = MemberSessionPolicy.Document(["IsolateInstanceAction", "ReleaseInstanceAction"], false, "aws");
        Assert.Equal([isolate, both], Proxy.Calls.Where(c => c.Operation == "AssumeRole").Select(c => System.Web.HttpUtility.ParseQueryString(c.Body)["Policy"]));
        Assert.Throws<ArgumentException>(() => accounts.LimitSessionsTo("NoSuchFunction", revokeSessions: false));
        Assert.Equal(both, accounts.SessionPolicy);
    }

    [Fact]
    public void SessionNameFor_GuardDutyFinding_NamesTheFindingWithinStsLimits()
    {
        Assert.Equal("ThreatResponse-5eb7d2599b228a6564523732e2b8757c", MemberAccountCredentials.SessionNameFor(FindingId));
        Assert.Equal(64, MemberAccountCredentials.SessionNameFor("sha256:" + new string('a', 64)).Length);
        Assert.Equal("ThreatResponse-manual_tr-1", MemberAccountCredentials.SessionNameFor("manual:tr-1"));
    }

    private ContainmentEngine Engine(ContainmentOptions? options = null) => Engine(out _, options);

    private ContainmentEngine Engine(out MemberAccountCredentials accounts, ContainmentOptions? options = null)
    {
        var environment = new AwsEnvironment(name => name switch
        {
            "AWS_ENDPOINT_URL" => Proxy.Endpoint.ToString(),
            "AWS_REGION" => "us-east-1",
            "MEMBER_ROLE_NAME" => "ThreatResponseMember",
            _ => null,
        });
        accounts = new MemberAccountCredentials(environment, TimeProvider.System, _ => Task.FromResult(MotoServerFixture.Credentials));
        return new ContainmentEngine(new Ec2InstanceContainment(new Ec2ClientProvider(environment, accounts)), options ?? new ContainmentOptions(), TimeProvider.System);
    }

    private static ContainmentRequest Request(params InstanceReference[] instances) => new(FindingId, instances, [ContainmentAction.Isolate], DryRun: false);
}
