namespace ThreatResponse.Core.Findings;

/// <summary>The EventBridge <c>detail-type</c>s ThreatResponse accepts.</summary>
public enum FindingEventKind
{
    /// <summary><c>GuardDuty Finding</c> from <c>aws.guardduty</c>: one finding in GuardDuty's format.</summary>
    GuardDutyFinding,

    /// <summary><c>Security Hub Findings - Custom Action</c>: the findings an analyst selected, in ASFF.</summary>
    SecurityHubCustomAction,

    /// <summary><c>Security Hub Findings - Imported</c>: findings as Security Hub receives or updates them, in ASFF.</summary>
    SecurityHubImported,

    /// <summary><c>Findings Imported V2</c>: the new Security Hub's findings, in OCSF.</summary>
    SecurityHubImportedV2,
}
