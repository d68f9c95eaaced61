namespace ThreatResponse.Core.Containment.Credentials;

/// <summary>
/// A revocation written by <c>revoke-sessions</c>, kept with the pre-isolation state so that release removes exactly
/// it: the inline policy <paramref name="PolicyName"/> on <paramref name="RoleName"/> denying sessions issued before <paramref name="CutOff"/>.
/// </summary>
public sealed record RevokedSessions(string RoleName, string PolicyName, DateTimeOffset CutOff);
