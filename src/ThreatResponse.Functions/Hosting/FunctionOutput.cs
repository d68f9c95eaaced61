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

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(FunctionOutput))]
internal sealed partial class FunctionJsonContext : JsonSerializerContext;
