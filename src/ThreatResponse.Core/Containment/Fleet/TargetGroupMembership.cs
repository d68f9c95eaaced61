namespace ThreatResponse.Core.Containment.Fleet;

/// <summary>An ELBv2 target group the instance is registered in, and on which port.</summary>
public sealed record TargetGroupMembership(string TargetGroupArn, int Port);
