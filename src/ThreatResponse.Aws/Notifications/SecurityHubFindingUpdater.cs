using System.Text.Json;
using System.Text.Json.Serialization;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Aws.Notifications;

/// <summary>
/// <see cref="IFindingUpdater"/> on Security Hub <c>BatchUpdateFindings</c> (REST-JSON, <c>PATCH /findings/batchupdate</c>)
/// and, for findings that came from the new Security Hub (<see cref="FindingUpdate.MetadataUid"/>),
/// <c>BatchUpdateFindingsV2</c> (<c>PATCH /findingsv2/batchupdatev2</c>: the note as its comment, the workflow as its
/// status id), signed by <see cref="AwsSignedHttpClient"/>. One call applies the same content to every finding it names,
/// so updates are grouped by API, content and Region, at most 100 findings a call. Unprocessed findings whose reason may
/// pass are retried; the rest are returned. The one file to change for AWSSDK.SecurityHub.
/// </summary>
public sealed class SecurityHubFindingUpdater(Func<string, AwsSignedHttpClient> securityHubInRegion, TimeProvider? time = null, AwsRetryPolicy? retry = null) : IFindingUpdater
{
    public const int MaxFindingsPerCall = 100;

    /// <summary>
    /// Reasons that will not change on a retry (the one list of them: the response is retried by Lambda only when some
    /// unprocessed finding is <see cref="UnprocessedFinding.WorthRetrying"/>).
    /// </summary>
    private static readonly HashSet<string> PermanentErrors = new(StringComparer.Ordinal)
    {
        "FindingNotFound", "InvalidInput", "InvalidInputException", "AccessDenied", "AccessDeniedException", "InvalidAccess",
        "InvalidAccessException", "FindingSizeExceeded",
        "ResourceNotFoundException", "ValidationException", // BatchUpdateFindingsV2's
    };

    /// <summary>
    /// OCSF's <c>status_id</c> for Security Hub's workflow statuses: 1 New, 2 In Progress (what NOTIFIED means: someone
    /// is on it), 3 Suppressed, 4 Resolved.
    /// </summary>
    private static readonly Dictionary<string, int> StatusIdOfWorkflow = new(StringComparer.Ordinal)
    {
        ["NEW"] = 1, ["NOTIFIED"] = 2, ["SUPPRESSED"] = 3, ["RESOLVED"] = 4,
    };

    private readonly AwsRetryPolicy _retry = retry ?? new AwsRetryPolicy { MaxAttempts = 3 };
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<FindingUpdateResult> UpdateAsync(IReadOnlyList<FindingUpdate> updates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var processed = 0;
        var unprocessed = new List<UnprocessedFinding>();
        var groups = updates.GroupBy(u => (u.Region, V2: u.MetadataUid is not null, Content: ContentKey(u)));
        foreach (var group in groups)
        {
            foreach (var batch in group.Chunk(MaxFindingsPerCall))
            {
                var (done, left) = await UpdateBatchAsync(batch, cancellationToken);
                processed += done;
                unprocessed.AddRange(left);
            }
        }

        return new FindingUpdateResult(processed, unprocessed);
    }

    private async Task<(int Processed, List<UnprocessedFinding> Unprocessed)> UpdateBatchAsync(FindingUpdate[] batch, CancellationToken cancellationToken)
    {
        var client = securityHubInRegion(batch[0].Region);
        var pending = batch;
        var processed = 0;
        var final = new List<UnprocessedFinding>();
        for (var attempt = 1; ; attempt++)
        {
            var (processedNow, left) = pending[0].MetadataUid is null
                ? await SendAsync(client, pending, cancellationToken)
                : await SendV2Async(client, pending, cancellationToken);
            processed += processedNow;
            final.AddRange(left.Where(u => !u.WorthRetrying));
            var retryable = left.Where(u => u.WorthRetrying).ToList();
            if (retryable.Count == 0 || attempt >= _retry.MaxAttempts)
            {
                final.AddRange(retryable);
                return (processed, final);
            }

            await Task.Delay(_retry.DelayBefore(attempt, Random.Shared), _time, cancellationToken);
            var retryIds = retryable.Select(u => (u.Id, u.ProductArn)).ToHashSet();
            pending = [.. pending.Where(u => retryIds.Contains((u.Id, u.ProductArn)))];
            if (pending.Length == 0)
            {
                // The service named findings we did not send: report them rather than loop.
                final.AddRange(retryable);
                return (processed, final);
            }
        }
    }

    private static async Task<(int Processed, List<UnprocessedFinding> Left)> SendAsync(AwsSignedHttpClient client, FindingUpdate[] batch, CancellationToken cancellationToken)
    {
        const string Operation = "BatchUpdateFindings";
        var body = JsonSerializer.SerializeToUtf8Bytes(Request(batch), SecurityHubJsonContext.Default.BatchUpdateFindingsRequest);
        var response = await client.SendAsync(new AwsHttpRequest(Operation, HttpMethod.Patch, "/findings/batchupdate", body, "application/json"), cancellationToken);
        var result = Parse(Operation, response.Body, SecurityHubJsonContext.Default.BatchUpdateFindingsResponse);
        return (result.ProcessedFindings?.Count ?? 0, [.. (result.UnprocessedFindings ?? [])
            .Select(u => Unprocessed(u.FindingIdentifier?.Id ?? "?", u.FindingIdentifier?.ProductArn ?? "?", u.ErrorCode, u.ErrorMessage))]);
    }

    private static async Task<(int Processed, List<UnprocessedFinding> Left)> SendV2Async(AwsSignedHttpClient client, FindingUpdate[] batch, CancellationToken cancellationToken)
    {
        const string Operation = "BatchUpdateFindingsV2";
        var first = batch[0];
        var request = new BatchUpdateFindingsV2Request(
            [.. batch.Select(u => u.MetadataUid!)],
            first.Note,
            first.WorkflowStatus is { } status && StatusIdOfWorkflow.TryGetValue(status, out var id) ? id : null);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, SecurityHubJsonContext.Default.BatchUpdateFindingsV2Request);
        var response = await client.SendAsync(new AwsHttpRequest(Operation, HttpMethod.Patch, "/findingsv2/batchupdatev2", body, "application/json"), cancellationToken);
        var result = Parse(Operation, response.Body, SecurityHubJsonContext.Default.BatchUpdateFindingsV2Response);

        // Reported by the id the rest of the response knows the finding by (the GuardDuty finding's), not the V2 one.
        var byUid = batch.ToDictionary(u => u.MetadataUid!, StringComparer.Ordinal);
        return (result.ProcessedFindings?.Count ?? 0, [.. (result.UnprocessedFindings ?? []).Select(u =>
            u.MetadataUid is { } uid && byUid.TryGetValue(uid, out var update)
                ? Unprocessed(update.Id, update.ProductArn, u.ErrorCode, u.ErrorMessage)
                : Unprocessed(u.MetadataUid ?? u.FindingIdentifier?.FindingInfoUid ?? "?", u.FindingIdentifier?.MetadataProductUid ?? "?", u.ErrorCode, u.ErrorMessage))]);
    }

    private static UnprocessedFinding Unprocessed(string id, string productArn, string? errorCode, string? errorMessage) =>
        new(id, productArn, errorCode ?? "Unknown", errorMessage ?? "no message", !PermanentErrors.Contains(errorCode ?? "Unknown"));

    private static T Parse<T>(string operation, byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new JsonException("empty response");
        }
        catch (JsonException e)
        {
            throw new AwsOperationException(operation, "MalformedResponse", e.Message, e);
        }
    }

    private static BatchUpdateFindingsRequest Request(FindingUpdate[] batch)
    {
        var first = batch[0];
        return new BatchUpdateFindingsRequest(
            [.. batch.Select(u => new FindingIdentifier(u.Id, u.ProductArn))],
            new NoteUpdate(first.Note, FindingUpdateComposer.UpdatedBy),
            first.WorkflowStatus is { } status ? new WorkflowUpdate(status) : null,
            first.UserDefinedFields.Count > 0 ? new Dictionary<string, string>(first.UserDefinedFields) : null);
    }

    private static string ContentKey(FindingUpdate update) => update.MetadataUid is not null
        ? $"{update.Note}\u0001{update.WorkflowStatus}"
        : $"{update.Note}\u0001{update.WorkflowStatus}\u0001{string.Join('\u0002', update.UserDefinedFields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"))}";

    internal sealed record FindingIdentifier(string Id, string ProductArn);

    internal sealed record NoteUpdate(string Text, string UpdatedBy);

    internal sealed record WorkflowUpdate(string Status);

    internal sealed record BatchUpdateFindingsRequest(
        IReadOnlyList<FindingIdentifier> FindingIdentifiers,
        NoteUpdate Note,
        WorkflowUpdate? Workflow,
        Dictionary<string, string>? UserDefinedFields);

    internal sealed record UnprocessedFindingDto(FindingIdentifier? FindingIdentifier, string? ErrorCode, string? ErrorMessage);

    internal sealed record BatchUpdateFindingsResponse(List<FindingIdentifier>? ProcessedFindings, List<UnprocessedFindingDto>? UnprocessedFindings);

    internal sealed record BatchUpdateFindingsV2Request(IReadOnlyList<string> MetadataUids, string Comment, int? StatusId);

    internal sealed record OcsfFindingIdentifier(string? CloudAccountUid, string? FindingInfoUid, string? MetadataProductUid);

    internal sealed record ProcessedFindingV2(OcsfFindingIdentifier? FindingIdentifier, string? MetadataUid);

    internal sealed record UnprocessedFindingV2(OcsfFindingIdentifier? FindingIdentifier, string? MetadataUid, string? ErrorCode, string? ErrorMessage);

    internal sealed record BatchUpdateFindingsV2Response(List<ProcessedFindingV2>? ProcessedFindings, List<UnprocessedFindingV2>? UnprocessedFindings);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SecurityHubFindingUpdater.BatchUpdateFindingsRequest))]
[JsonSerializable(typeof(SecurityHubFindingUpdater.BatchUpdateFindingsResponse))]
[JsonSerializable(typeof(SecurityHubFindingUpdater.BatchUpdateFindingsV2Request))]
[JsonSerializable(typeof(SecurityHubFindingUpdater.BatchUpdateFindingsV2Response))]
internal sealed partial class SecurityHubJsonContext : JsonSerializerContext;
