using System.Text.Json;
using System.Text.Json.Serialization;
using ThreatResponse.Aws.Http;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Notifications;

namespace ThreatResponse.Aws.Notifications;

/// <summary>
/// <see cref="IFindingUpdater"/> on Security Hub <c>BatchUpdateFindings</c> (REST-JSON, <c>PATCH /findings/batchupdate</c>),
/// signed by <see cref="AwsSignedHttpClient"/>. One call applies the same note, workflow and fields to every finding it
/// names, so updates are grouped by content and Region, at most 100 findings a call. Unprocessed findings whose reason
/// may pass are retried; the rest are returned. The one file to change for AWSSDK.SecurityHub.
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
    };

    private readonly AwsRetryPolicy _retry = retry ?? new AwsRetryPolicy { MaxAttempts = 3 };
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<FindingUpdateResult> UpdateAsync(IReadOnlyList<FindingUpdate> updates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var processed = 0;
        var unprocessed = new List<UnprocessedFinding>();
        var groups = updates.GroupBy(u => (u.Region, Content: ContentKey(u)));
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
            var body = JsonSerializer.SerializeToUtf8Bytes(Request(pending), SecurityHubJsonContext.Default.BatchUpdateFindingsRequest);
            var response = await client.SendAsync(new AwsHttpRequest("BatchUpdateFindings", HttpMethod.Patch, "/findings/batchupdate", body, "application/json"), cancellationToken);
            var result = Parse(response.Body);
            processed += result.ProcessedFindings?.Count ?? 0;
            var left = (result.UnprocessedFindings ?? [])
                .Select(u => new UnprocessedFinding(u.FindingIdentifier?.Id ?? "?", u.FindingIdentifier?.ProductArn ?? "?", u.ErrorCode ?? "Unknown", u.ErrorMessage ?? "no message", !PermanentErrors.Contains(u.ErrorCode ?? "Unknown")))
                .ToList();
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

    private static BatchUpdateFindingsResponse Parse(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, SecurityHubJsonContext.Default.BatchUpdateFindingsResponse)
                ?? throw new JsonException("empty response");
        }
        catch (JsonException e)
        {
            throw new AwsOperationException("BatchUpdateFindings", "MalformedResponse", e.Message, e);
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

    private static string ContentKey(FindingUpdate update) =>
        $"{update.Note}\u0001{update.WorkflowStatus}\u0001{string.Join('\u0002', update.UserDefinedFields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"))}";

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
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SecurityHubFindingUpdater.BatchUpdateFindingsRequest))]
[JsonSerializable(typeof(SecurityHubFindingUpdater.BatchUpdateFindingsResponse))]
internal sealed partial class SecurityHubJsonContext : JsonSerializerContext;
