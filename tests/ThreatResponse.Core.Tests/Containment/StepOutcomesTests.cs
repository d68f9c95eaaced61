using ThreatResponse.Core.Containment;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>The one roll-up every reader of a response uses: its precedence, decided once.</summary>
public sealed class StepOutcomesTests
{
    [Theory]
    [InlineData(new[] { StepOutcome.Succeeded, StepOutcome.Failed, StepOutcome.DryRun }, StepOutcome.Failed)]
    [InlineData(new[] { StepOutcome.Succeeded, StepOutcome.DryRun }, StepOutcome.DryRun)]
    [InlineData(new[] { StepOutcome.DryRun, StepOutcome.Succeeded }, StepOutcome.DryRun)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Succeeded }, StepOutcome.Succeeded)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.DryRun }, StepOutcome.DryRun)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Skipped }, StepOutcome.Skipped)]
    [InlineData(new[] { StepOutcome.Skipped, StepOutcome.Failed }, StepOutcome.Failed)]
    [InlineData(new StepOutcome[0], StepOutcome.Skipped)]
    public void Combine_AnyOrder_FailedThenDryRunThenSucceededThenSkipped(StepOutcome[] outcomes, StepOutcome expected)
    {
        Assert.Equal(expected, StepOutcomes.Combine(outcomes));
        Assert.Equal(expected, StepOutcomes.Combine(outcomes.Reverse()));
    }

    [Fact]
    public void OfInstance_FailedLookup_Failed()
    {
        var steps = new[] { Step(null, StepOutcome.Failed), Step(ContainmentAction.Isolate, StepOutcome.Skipped) };

        Assert.Equal(StepOutcome.Failed, StepOutcomes.OfInstance(steps));
    }

    [Fact]
    public void OfInstance_LookupSucceededEveryActionStepSkipped_Skipped()
    {
        // The lookup is not what was asked for: an instance whose every step was skipped was not acted on.
        var steps = new[] { Step(null, StepOutcome.Succeeded), Step(ContainmentAction.Isolate, StepOutcome.Skipped) };

        Assert.Equal(StepOutcome.Skipped, StepOutcomes.OfInstance(steps));
    }

    [Fact]
    public void OfInstance_DryRunStepsBesideSkippedOnes_DryRun()
    {
        var steps = new[] { Step(null, StepOutcome.Succeeded), Step(ContainmentAction.Isolate, StepOutcome.DryRun), Step(ContainmentAction.Isolate, StepOutcome.Skipped) };

        Assert.Equal(StepOutcome.DryRun, StepOutcomes.OfInstance(steps));
    }

    private static StepResult Step(ContainmentAction? action, StepOutcome outcome) => new(action, StepName.Lookup, null, outcome, null, null, 0);
}
