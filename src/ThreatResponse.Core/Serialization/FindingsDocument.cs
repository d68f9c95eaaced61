using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Serialization;

/// <summary>The output of <c>threat-response parse</c>: <c>{"findings":[...]}</c>.</summary>
public sealed record FindingsDocument(IReadOnlyList<Finding> Findings);
