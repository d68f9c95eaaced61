namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>The Auto Scaling group isolation took the instance out of, for release to put it back.</summary>
/// <param name="WasProtected">Whether it was protected from scale-in before isolation protected it.</param>
public sealed record AutoScalingGroupState(string Name, AutoScalingRemoval Removal, bool WasProtected);
