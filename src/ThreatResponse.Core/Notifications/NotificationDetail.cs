namespace ThreatResponse.Core.Notifications;

/// <summary>How much a notification says, from everything to only counts; each level is tried until the message fits.</summary>
internal enum NotificationDetail
{
    Full,
    FailedStepsOnly,
    NoSteps,

    /// <summary>Findings and instances listed up to a count, the rest counted; no steps.</summary>
    Counts,
}
