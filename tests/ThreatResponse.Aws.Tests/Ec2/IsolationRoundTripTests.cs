using ThreatResponse.Core.Containment;
using ThreatResponse.Testing;

namespace ThreatResponse.Aws.Tests.Ec2;

/// <summary>
/// The critical path of isolation, counted in sequential EC2 round trips up to the isolation group on the last ENI.
/// Each request is held 150 ms on its way, so requests sent together visibly overlap; this counts requests, it does not
/// time them. BENCHMARKS.md has the numbers (benchmarks/ThreatResponse.Benchmarks -- roundtrips). A measurement, so in
/// the opt-in benchmark category; the ordering it relies on (state saved before any change, the isolation group asked
/// for the moment the conversion returns) is checked in the default run by AttackerProofIsolationTests.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Benchmark)]
[Collection(MotoCollectionDefinition.Name)]
public sealed class IsolationRoundTripTests(MotoServerFixture moto) : MotoTest(moto)
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task Isolate_GroupsMustBeCreated_AtMostFiveSequentialRoundTripsStateSavedFirst()
    {
        var measured = await IsolationMeasurement.RunAsync(Moto, groupsExist: false, Latency);

        Assert.Equal(StepOutcome.Succeeded, measured.Report.Outcome);
        Assert.True(measured.SequentialRoundTrips is >= 1 and <= 5, $"{measured.SequentialRoundTrips} sequential round trips: {measured.Chain}");
    }

    [Fact]
    public async Task Isolate_GroupsExist_AtMostFourSequentialRoundTripsStateSavedFirst()
    {
        var measured = await IsolationMeasurement.RunAsync(Moto, groupsExist: true, Latency);

        // Lookup, state saved (tags here; the ledger's PutItem in the functions), conversion group, isolation group.
        Assert.Equal(StepOutcome.Succeeded, measured.Report.Outcome);
        Assert.True(measured.SequentialRoundTrips is >= 1 and <= 4, $"{measured.SequentialRoundTrips} sequential round trips: {measured.Chain}");
    }

    [Fact]
    public async Task Isolate_EachEni_InTheConversionGroupForOneRoundTrip()
    {
        var measured = await IsolationMeasurement.RunAsync(Moto, groupsExist: true, Latency);

        Assert.Equal(StepOutcome.Succeeded, measured.Report.Outcome);
        // The isolation group is asked for less than one held request after the conversion answer: nothing else came
        // between, so each ENI is all-open for one round trip (its own isolation request).
        Assert.Equal(2, measured.ConversionGaps.Count);
        Assert.All(measured.ConversionGaps, g => Assert.True(g < Latency, $"isolation asked for {g.TotalMilliseconds:F0} ms after the conversion answer"));
    }
}
