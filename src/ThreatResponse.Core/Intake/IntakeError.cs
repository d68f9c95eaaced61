namespace ThreatResponse.Core.Intake;

/// <summary>Why an event was refused, and where: <paramref name="Path"/> is a JSON path such as <c>$.detail.findings[2].Resources[0].Id</c>.</summary>
public sealed record IntakeError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
