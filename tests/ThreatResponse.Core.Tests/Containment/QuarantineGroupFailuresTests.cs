using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;
using ThreatResponse.Core.Findings;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>
/// What goes wrong around the quarantine groups' record never means no isolation: the record unreadable or unwritable,
/// or a conversion group that cannot be made ready. (The groups' identity rules themselves: QuarantineGroupsByRecordTests.)
/// </summary>
public sealed class QuarantineGroupFailuresTests
{
    private const string Instance = "i-00000000000000001";
    private static readonly InstanceReference Reference = new(InstanceId.Parse(Instance), "123456789012", "us-east-1");
    private readonly FakeInstanceContainment _ec2 = new();
    private readonly FakeIsolationStateStore _ledger = new();

    public QuarantineGroupFailuresTests() => _ec2.AddInstance(Instance, ("eni-a", "vpc-1", ["sg-a"]), ("eni-b", "vpc-1", ["sg-b"]));

    [Fact]
    public async Task Isolate_RecordUnreadable_IsolatedInGroupsMadeForThisResponseAndSaysSo()
    {
        var report = await RunAsync(new Registry { ListFails = true });

        Assert.True(report.Outcome == StepOutcome.Succeeded, report.Instances[0].Reason);
        var isolation = Assert.Single(_ec2.Groups, g => g.Role == QuarantineGroupRole.Isolation).GroupId;
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.Equal([isolation], n.GroupIds));
        Assert.Contains(report.Instances[0].Steps, s => s.Step == "quarantine-groups" && s.Detail!.Contains("the record could not be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_RecordUnwritable_IsolatedInTheGroupsItCreatedAndSaysNotRecorded()
    {
        var report = await RunAsync(new Registry { RecordFails = true });

        Assert.Equal(StepOutcome.Succeeded, report.Outcome);
        var isolation = Assert.Single(_ec2.Groups, g => g.Role == QuarantineGroupRole.Isolation).GroupId;
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.Equal([isolation], n.GroupIds));
        Assert.Contains(report.Instances[0].Steps, s => s.Step == "quarantine-groups" && s.Detail!.Contains("not recorded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_ConversionGroupCannotBeCreated_StillIsolatedAndTheFailureReported()
    {
        _ec2.Fail("CreateQuarantineGroup", "vpc-1", "Conversion");

        var report = await RunAsync(new Registry());

        Assert.Equal(StepOutcome.Failed, report.Outcome);
        var isolation = Assert.Single(_ec2.Groups, g => g.Role == QuarantineGroupRole.Isolation).GroupId;
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.Equal([isolation], n.GroupIds));
        var steps = report.Instances[0].Steps;
        Assert.Contains(steps, s => s.Step == "quarantine-groups" && s.Outcome == StepOutcome.Failed);
        Assert.Equal(2, steps.Count(s => s.Step == "isolation-group" && s.Outcome == StepOutcome.Succeeded && s.Detail!.Contains("without the conversion group", StringComparison.Ordinal)));
        Assert.All(_ec2.Instances[Instance].NetworkInterfaces, n => Assert.True(n.MinimumConnectionTracking));
    }

    private Task<ContainmentReport> RunAsync(Registry registry) =>
        new ContainmentEngine(_ec2, new ContainmentOptions(), TimeProvider.System, new ContainmentPorts { StateStore = _ledger, GroupRegistry = registry })
            .RunAsync(new ContainmentRequest("f1", [Reference], [ContainmentAction.Isolate], DryRun: false), CancellationToken.None);

    private sealed class Registry : IQuarantineGroupRegistry
    {
        private readonly List<RecordedQuarantineGroup> _groups = [];

        public bool ListFails { get; init; }

        public bool RecordFails { get; init; }

        public Task<IReadOnlyList<RecordedQuarantineGroup>> ListAsync(AwsScope scope, CancellationToken cancellationToken) =>
            ListFails ? throw new AwsOperationException("GetItem", "ProvisionedThroughputExceededException", "injected") : Task.FromResult<IReadOnlyList<RecordedQuarantineGroup>>([.. _groups]);

        public Task<string> RecordAsync(AwsScope scope, RecordedQuarantineGroup group, string? replacing, CancellationToken cancellationToken)
        {
            if (RecordFails)
            {
                throw new AwsOperationException("UpdateItem", "InternalServerError", "injected");
            }

            lock (_groups)
            {
                _groups.Add(group);
            }

            return Task.FromResult(group.GroupId);
        }
    }
}
