using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Aws.Ledger;

/// <summary>
/// Pre-isolation state in the DynamoDB ledger (<c>LEDGER_TABLE_NAME</c>): one item per instance, keyed
/// <c>pk = instance#ACCOUNT#REGION#ID</c>, <c>sk = isolation-state</c>. No size limit that matters (400 KB per item),
/// unlike tags. A retried isolation never replaces the state saved before the first attempt: it resumes from it (see
/// <c>IsolationStateSteps</c>). Released states stay, marked released; superseded ones are kept beside it for the record.
/// </summary>
public sealed class DynamoDbIsolationStateStore(IAmazonDynamoDB dynamoDb, string tableName) : IIsolationStateStore
{
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";
    private const string StateSortKey = "isolation-state";

    /// <summary>States a later isolation superseded, kept for the record: <c>isolation-state#superseded#SAVEDAT</c>.</summary>
    public const string SupersededSortKeyPrefix = "isolation-state#superseded#";

    public async Task<PreIsolationState?> SaveAsync(InstanceReference instance, PreIsolationState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var previous = await CallAsync("PutItem", () => dynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = Item(KeyOf(instance), StateSortKey, state),
            ReturnValues = ReturnValue.ALL_OLD,
        }, cancellationToken));

        // The state of an earlier isolation (released, or undone by hand) is handed back to be kept for the record.
        return previous.Attributes is { Count: > 0 } old && old.TryGetValue("state", out var oldState)
            && old.TryGetValue("savedAt", out var oldSavedAt) && oldSavedAt.S != Text(state.SavedAt)
            ? IsolationStateJson.Deserialize(oldState.S)
            : null;
    }

    public Task KeepSupersededAsync(InstanceReference instance, PreIsolationState superseded, DateTimeOffset by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(superseded);
        var item = Item(KeyOf(instance), $"{SupersededSortKeyPrefix}{Text(superseded.SavedAt)}", superseded);
        item["supersededAt"] = new(Text(by));
        return CallAsync("PutItem", () => dynamoDb.PutItemAsync(new PutItemRequest { TableName = tableName, Item = item }, cancellationToken));
    }

    public async Task MarkReleasedAsync(InstanceReference instance, PreIsolationState released, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(released);
        if (released.ReleasedAt is not { } at)
        {
            throw new ArgumentException("the state is not marked released", nameof(released));
        }

        // Two items, neither depending on the other: written together.
        await Task.WhenAll(
            CallAsync("PutItem", () => dynamoDb.PutItemAsync(new PutItemRequest { TableName = tableName, Item = Item(KeyOf(instance), StateSortKey, released) }, cancellationToken)),
            DynamoDbResponseLedger.MarkReleasedAsync(dynamoDb, tableName, released.FindingId, instance, at, cancellationToken));
    }

    private static Dictionary<string, AttributeValue> Item(string key, string sortKey, PreIsolationState state)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = new(key),
            [SortKey] = new(sortKey),
            ["findingId"] = new(state.FindingId),
            ["savedAt"] = new(Text(state.SavedAt)),
            ["state"] = new(IsolationStateJson.Serialize(state)),
        };
        if (state.ReleasedAt is { } releasedAt)
        {
            item["releasedAt"] = new(Text(releasedAt));
        }

        return item;
    }

    private static string Text(DateTimeOffset at) => at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    public async Task<PreIsolationState?> LoadAsync(InstanceReference instance, CancellationToken cancellationToken)
    {
        var response = await CallAsync("GetItem", () => dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(instance),
            ConsistentRead = true,
        }, cancellationToken));
        return response.Item is { Count: > 0 } item && item.TryGetValue("state", out var state)
            ? IsolationStateJson.Deserialize(state.S)
            : null;
    }

    public async IAsyncEnumerable<(InstanceReference Instance, PreIsolationState State)> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? next = null;
        do
        {
            var page = await CallAsync("Scan", () => dynamoDb.ScanAsync(new ScanRequest
            {
                TableName = tableName,
                FilterExpression = "#sk = :state",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#sk"] = SortKey },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":state"] = new(StateSortKey) },
                ExclusiveStartKey = next,
            }, cancellationToken));
            foreach (var item in page.Items ?? [])
            {
                if (InstanceOf(item[PartitionKey].S) is { } instance && item.TryGetValue("state", out var state))
                {
                    yield return (instance, IsolationStateJson.Deserialize(state.S));
                }
            }

            next = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (next is not null);
    }

    /// <summary>The instance of a key written by <see cref="KeyOf"/>; null for anything else.</summary>
    private static InstanceReference? InstanceOf(string key) =>
        key.Split('#') is ["instance", var account, var region, var id] && InstanceId.TryParse(id, out var instanceId)
            ? new InstanceReference(instanceId.Value, account, region)
            : null;

    private static string KeyOf(InstanceReference instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return $"instance#{instance.Account}#{instance.Region}#{instance.InstanceId}";
    }

    private static Dictionary<string, AttributeValue> Key(InstanceReference instance) => new()
    {
        [PartitionKey] = new(KeyOf(instance)),
        [SortKey] = new(StateSortKey),
    };

    private static Task<T> CallAsync<T>(string operation, Func<Task<T>> call) => SdkCall.RunAsync(operation, call);
}
