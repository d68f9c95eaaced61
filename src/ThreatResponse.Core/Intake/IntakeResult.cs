using System.Diagnostics.CodeAnalysis;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Intake;

/// <summary>Either the parsed event or the reason it was refused; never both.</summary>
public sealed class IntakeResult
{
    private IntakeResult(FindingEvent? findingEvent, IntakeError? error)
    {
        Event = findingEvent;
        Error = error;
    }

    public FindingEvent? Event { get; }

    public IntakeError? Error { get; }

    [MemberNotNullWhen(true, nameof(Event))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Event is not null;

    internal static IntakeResult Success(FindingEvent findingEvent) => new(findingEvent, null);

    internal static IntakeResult Failure(IntakeError error) => new(null, error);
}
