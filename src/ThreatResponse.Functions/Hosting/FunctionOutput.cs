using System.Text.Json.Serialization;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Functions.Hosting;

/// <summary>What a function returns (and <c>threat-response invoke</c> prints): the response in brief.</summary>
public sealed record FunctionOutput(
    string ReportId,
    string Outcome,
    bool DryRun,
    string MessageId,
    IReadOnlyList<FunctionFindingOutput> Findings,
    int FindingUpdatesProcessed,
    IReadOnlyList<UnprocessedFinding> FindingUpdatesUnprocessed);

public sealed record FunctionFindingOutput(string Id, string Outcome, string Summary);

/// <summary>What <c>InstanceTerminatedResponder</c> returns: what was removed for the terminated instance.</summary>
public sealed record TerminationOutput(string ReportId, string InstanceId, string Account, string Region, string Outcome, IReadOnlyList<string> Steps);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(FunctionOutput))]
[JsonSerializable(typeof(TerminationOutput))]
internal sealed partial class FunctionJsonContext : JsonSerializerContext;
