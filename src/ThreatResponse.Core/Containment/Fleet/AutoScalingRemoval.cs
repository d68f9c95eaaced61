namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>How isolation took the instance out of its Auto Scaling group.</summary>
public enum AutoScalingRemoval
{
    Standby,
    Detached,
}
