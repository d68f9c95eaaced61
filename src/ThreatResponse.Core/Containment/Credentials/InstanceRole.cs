namespace ThreatResponse.Core.Containment.Credentials;

/// <summary>An IAM role as an instance profile holds it.</summary>
/// <param name="Path">The role's path, e.g. <c>/</c> or <c>/threat-response/stack/</c>.</param>
public sealed record InstanceRole(string Name, string Path, string Arn);
