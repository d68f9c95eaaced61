using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.EC2.Model;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Aws.Ledger;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Notifications;
using ThreatResponse.Core.Responses;
using ThreatResponse.LocalAws;
using ThreatResponse.Testing;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Benchmarks;

/// <summary>
/// An analyst's custom action on many findings (one instance each) with the ledger in moto's DynamoDB and every request
/// held 50 ms: when the last claim is answered, when the first instance is changed, and the whole response — claims
/// one at a time (as before issue 16) against claims together (now). Network ACL entries are off: a hundred instances
/// of one VPC would outgrow an ACL's 20 entries, and the claims are what is measured.
/// Run: dotnet run -c Release --project benchmarks/ThreatResponse.Benchmarks -- claims [findings]
/// </summary>
internal static class ClaimBenchmark
{
    private static readonly TimeSpan Held = TimeSpan.FromMilliseconds(50);

    public static async Task<int> RunAsync(int findings)
    {
        var moto = new MotoServerFixture();
        await moto.InitializeAsync();
        try
        {
            Console.WriteLine($"| Claims ({findings} findings, 50 ms held per request) | Claim round trips, sequential | Last claim answered | First instance changed | Whole response |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var together in new[] { false, true })
            {
                var m = await MeasureAsync(moto, findings, together);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(together ? "together (now)" : "one at a time (before)")} | {m.ClaimRoundTrips} | {m.LastClaim.TotalMilliseconds:F0} ms | {m.FirstChange.TotalMilliseconds:F0} ms | {m.Total.TotalMilliseconds:F0} ms |"));
            }
        }
        finally
        {
            await moto.DisposeAsync();
        }

        return 0;
    }

    private static async Task<(int ClaimRoundTrips, TimeSpan LastClaim, TimeSpan FirstChange, TimeSpan Total)> MeasureAsync(MotoServerFixture moto, int count, bool together)
    {
        await moto.ResetAsync();
        using var setup = moto.CreateEc2Client();
        var scene = await Ec2Scene.CreateAsync(moto, setup);
        var more = await setup.RunInstancesAsync(new RunInstancesRequest { ImageId = "ami-12c6146b", InstanceType = "t3.micro", MinCount = count - 1, MaxCount = count - 1, SubnetId = scene.SubnetId });
        var ids = more.Reservation.Instances.Select(i => i.InstanceId).Prepend(scene.InstanceId).ToList();
        using (var plain = new AmazonDynamoDBClient(MotoServerFixture.Credentials, moto.Configure(new AmazonDynamoDBConfig())))
        {
            await LedgerTable.CreateAsync(plain, "threat-response-ledger");
        }

        using var proxy = new RecordingProxy(moto.Endpoint) { HeldPerRequest = Held };
        using var ec2 = new Amazon.EC2.AmazonEC2Client(MotoServerFixture.Credentials, new Amazon.EC2.AmazonEC2Config { ServiceURL = proxy.Endpoint.ToString(), AuthenticationRegion = MotoServerFixture.DefaultRegion });
        using var dynamoDb = new AmazonDynamoDBClient(MotoServerFixture.Credentials, new AmazonDynamoDBConfig { ServiceURL = proxy.Endpoint.ToString(), AuthenticationRegion = MotoServerFixture.DefaultRegion });
        using var oneAtATime = new OneAtATime(new DynamoDbResponseLedger(dynamoDb, "threat-response-ledger"));
        IResponseLedger ledger = together ? new DynamoDbResponseLedger(dynamoDb, "threat-response-ledger") : oneAtATime;

        var engine = new ContainmentEngine(new Ec2InstanceContainment(new Ec2ClientProvider(_ => ec2)), new ContainmentOptions { DenyInNetworkAcls = false }, TimeProvider.System, new ContainmentPorts { StateStore = new DynamoDbIsolationStateStore(dynamoDb, "threat-response-ledger") });
        var responder = new FindingResponder(engine, new ResponseOutlets(new NoFindingUpdates(), new NoNotifications(), new FindingUpdateOptions()), TimeProvider.System, ledger);
        var decisions = ids.Select((id, i) =>
        {
            var instance = new InstanceReference(InstanceId.Parse(id), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion);
            var finding = new Finding($"arn:aws:guardduty:us-east-1:{MotoServerFixture.DefaultAccount}:detector/d/finding/f{i:D3}", "arn:aws:securityhub:us-east-1::product/aws/guardduty",
                FindingSource.GuardDuty, "Backdoor:EC2/C&CActivity.B!DNS", Severity.FromGuardDutyScore(8), MotoServerFixture.DefaultAccount, MotoServerFixture.DefaultRegion, "aws", ResourceRole.Actor, false, [instance]);
            return new FindingDecision(finding, instance, [ContainmentAction.Isolate], "custom-action:Isolate") { ByAnalyst = true };
        }).ToList();

        proxy.Clear();
        var started = Stopwatch.GetTimestamp();
        var result = await responder.RespondAsync(new ResponseRequest("IsolateInstanceAction", decisions, MotoServerFixture.DefaultRegion, Guid.NewGuid().ToString()), CancellationToken.None);
        var total = Stopwatch.GetElapsedTime(started);
        if (result?.Summary.Outcome != StepOutcome.Succeeded)
        {
            throw new InvalidOperationException($"the response did not succeed: {result?.Summary.Outcome}");
        }

        var requests = proxy.Timeline.Requests;
        bool IsClaim(RecordedRequest r) => r.Operation == "dynamodb:UpdateItem" && r.Body.Contains("in-progress", StringComparison.Ordinal);
        var lastClaim = requests.Where(IsClaim).Max(r => r.EndTicks);
        var firstChange = requests.Where(r => r.Operation.StartsWith("ec2:", StringComparison.Ordinal) && !r.Operation.StartsWith("ec2:Describe", StringComparison.Ordinal)).Min(r => r.StartTicks);
        return (proxy.Timeline.SequentialRoundTrips(r => IsClaim(r) && r.EndTicks == lastClaim),
            Stopwatch.GetElapsedTime(started, lastClaim), Stopwatch.GetElapsedTime(started, firstChange), total);
    }

    /// <summary>The claims as they were made before issue 16: each awaited before the next is asked.</summary>
    private sealed class OneAtATime(IResponseLedger inner) : IResponseLedger, IDisposable
    {
        public void Dispose() => _one.Dispose();

        private readonly SemaphoreSlim _one = new(1);

        public async Task<Claim> ClaimAsync(FindingDecision decision, string? eventId, DateTimeOffset now, bool countDelivery, CancellationToken cancellationToken)
        {
            await _one.WaitAsync(cancellationToken);
            try
            {
                return await inner.ClaimAsync(decision, eventId, now, countDelivery, cancellationToken);
            }
            finally
            {
                _one.Release();
            }
        }

        public Task<bool> IsHeldAsync(FindingDecision decision, DateTimeOffset now, CancellationToken cancellationToken) => inner.IsHeldAsync(decision, now, cancellationToken);

        public Task RecordAsync(FindingDecision decision, LedgerOutcome outcome, CancellationToken cancellationToken) => inner.RecordAsync(decision, outcome, cancellationToken);
    }

    private sealed class NoFindingUpdates : IFindingUpdater
    {
        public Task<FindingUpdateResult> UpdateAsync(IReadOnlyList<FindingUpdate> updates, CancellationToken cancellationToken) => Task.FromResult(new FindingUpdateResult(updates.Count, []));
    }

    private sealed class NoNotifications : INotifier
    {
        public Task<string> PublishAsync(Notification notification, CancellationToken cancellationToken) => Task.FromResult("benchmark");

        public bool Fits(Notification notification) => true;
    }
}
