using System.Text.Json.Serialization;

namespace ThreatResponse.Core.Findings;

/// <summary>An EC2 instance a finding names, with the account and Region it lives in (which may differ from the event's).</summary>
public sealed record InstanceReference(
    [property: JsonConverter(typeof(InstanceIdJsonConverter))] InstanceId InstanceId,
    string Account,
    string Region);
