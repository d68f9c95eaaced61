namespace ThreatResponse.Core.Containment;

/// <summary>
/// Which EC2 calls get request tokens first when they are scarce. EC2 throttles per account and Region with token
/// buckets that every caller shares, so a response on many instances, or several responses at once, can run short;
/// then waiting calls are served in this order, and the most instances are isolated soonest.
/// </summary>
public enum CallPriority
{
    /// <summary>
    /// A call that must follow one already made: the isolation group right after the all-open conversion group, or the
    /// ENI's own groups put back. First in line, and retried past the deadline for its grace: an ENI must not stay open.
    /// </summary>
    Urgent = 0,

    /// <summary>
    /// The isolation path: lookups, the saved state, the quarantine groups, connection tracking and the conversion group,
    /// network ACL entries, the metadata endpoint, the instance profile. What calls get unless told otherwise.
    /// </summary>
    Containment = 1,

    /// <summary>
    /// Everything else — status tags, snapshots, termination protection, shutdown behaviour, stop: waits while a call of
    /// higher priority waits in the same account and Region.
    /// </summary>
    Deferred = 2,
}
