namespace ThreatResponse.Core.Findings;

/// <summary>
/// A finding's severity on Security Hub's scale: an ASFF label and a normalized score from 0 to 100.
/// </summary>
/// <remarks>
/// ASFF bands: 0 INFORMATIONAL, 1–39 LOW, 40–69 MEDIUM, 70–89 HIGH, 90–100 CRITICAL.
/// GuardDuty's 0–10 score has the same bands scaled by ten (Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0).
/// </remarks>
public readonly record struct Severity(SeverityLabel Label, int Normalized)
{
    /// <summary>Maps a GuardDuty score (0–10) by GuardDuty's documented bands; normalized is the score times ten, truncated.</summary>
    public static Severity FromGuardDutyScore(double score)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(score, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(score, 10);

        // Truncation keeps 3.95 in LOW like GuardDuty's band does; the epsilon absorbs binary fractions such as 6.9 * 10 = 68.99999.
        var normalized = (int)Math.Floor((score * 10) + 1e-9);
        var label = score switch
        {
            < 1 => SeverityLabel.Informational,
            < 4 => SeverityLabel.Low,
            < 7 => SeverityLabel.Medium,
            < 9 => SeverityLabel.High,
            _ => SeverityLabel.Critical,
        };
        return new Severity(label, normalized);
    }

    /// <summary>The label for a normalized score, by the ASFF bands.</summary>
    public static SeverityLabel LabelOf(int normalized) => normalized switch
    {
        <= 0 => SeverityLabel.Informational,
        < 40 => SeverityLabel.Low,
        < 70 => SeverityLabel.Medium,
        < 90 => SeverityLabel.High,
        _ => SeverityLabel.Critical,
    };

    /// <summary>The normalized score Security Hub assigns when a finding gives only a label.</summary>
    public static int NormalizedOf(SeverityLabel label) => label switch
    {
        SeverityLabel.Informational => 0,
        SeverityLabel.Low => 1,
        SeverityLabel.Medium => 40,
        SeverityLabel.High => 70,
        _ => 90,
    };
}
