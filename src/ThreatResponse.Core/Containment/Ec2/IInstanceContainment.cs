namespace ThreatResponse.Core.Containment.Ec2;

/// <summary>
/// The EC2 port: the operations containment is made of, each declared by the room that uses it, one call each (or one round of parallel calls for a lookup), so that the
/// engine decides order and concurrency. Mutating calls take <c>dryRun</c>: with it, EC2 checks and does nothing, and
/// the call returns normally. Failures surface as <see cref="AwsOperationException"/>.
/// </summary>
public interface IInstanceContainment : IEc2Instances, Isolation.IEc2NetworkInterfaces, Groups.IEc2QuarantineGroups, NetworkAcls.IEc2NetworkAcls, Evidence.IEc2Snapshots, Evidence.IEc2ForensicChannels
{
    /// <summary>
    /// The same operations, attributed to <paramref name="findingKey"/>: across accounts the role session is named after
    /// the finding, so the member account's CloudTrail says which finding each change was for.
    /// </summary>
    IInstanceContainment ForFinding(string findingKey);

    /// <summary>
    /// The same operations at <paramref name="priority"/> when EC2 request tokens are scarce. Calls are
    /// <see cref="CallPriority.Containment"/> unless told otherwise. An adapter without request pacing ignores it.
    /// </summary>
    IInstanceContainment WithPriority(CallPriority priority) => this;

    /// <summary>
    /// The same operations, retried while throttled or failing transiently until <paramref name="deadline"/> (urgent
    /// ones until its grace ends), then failed with <see cref="ResponseDeadline.NotReachedInTime"/>. Without a deadline
    /// an adapter decides how long to retry.
    /// </summary>
    IInstanceContainment Until(ResponseDeadline deadline) => this;

    /// <summary>
    /// Whether EC2 calls in <paramref name="scope"/> wait for request tokens or were throttled lately: then work off the
    /// isolation path waits until every instance's isolation was served. Default false (no pacing, nothing scarce).
    /// </summary>
    bool AreRequestTokensScarce(AwsScope scope) => false;
}
