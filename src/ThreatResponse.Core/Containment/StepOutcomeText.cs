namespace ThreatResponse.Core.Containment;

public static class StepOutcomeText
{
    /// <summary>The outcome as reports spell it: succeeded, skipped, failed, dry-run.</summary>
    public static string Text(this StepOutcome outcome) => outcome switch
    {
        StepOutcome.Succeeded => "succeeded",
        StepOutcome.Skipped => "skipped",
        StepOutcome.Failed => "failed",
        _ => "dry-run",
    };
}
