namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>The instance's place in its Auto Scaling group.</summary>
/// <param name="LifecycleState">Auto Scaling's, e.g. <c>InService</c>, <c>Standby</c>.</param>
public sealed record AutoScalingMembership(string GroupName, string LifecycleState, bool ProtectedFromScaleIn);
