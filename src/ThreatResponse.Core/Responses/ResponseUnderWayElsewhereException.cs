namespace ThreatResponse.Core.Responses;

/// <summary>
/// Another invocation holds the claim on these decisions and has not finished within the wait: this delivery has not
/// seen them done, so it fails and Lambda retries it (and, in the end, keeps it in the on-failure queue). A claim whose
/// invocation died is taken over once it is older than the ledger's claim lifetime.
/// </summary>
public sealed class ResponseUnderWayElsewhereException(IReadOnlyList<FindingDecision> decisions)
    : Exception($"{decisions.Count} decision(s) are being carried out by another invocation that has not finished ({string.Join(", ", decisions.Select(d => $"{d.Finding.Id} {d.Instance?.InstanceId.Value ?? "-"}: {d.Key}"))}); retry later")
{
    public IReadOnlyList<FindingDecision> Decisions { get; } = decisions;
}
