using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Aws.Ledger;

/// <summary>
/// Pre-isolation state in the DynamoDB ledger (<c>LEDGER_TABLE_NAME</c>): one item per instance, keyed
/// <c>pk = instance#ACCOUNT#REGION#ID</c>, <c>sk = isolation-state</c>. No size limit that matters (400 KB per item),
/// unlike tags. The write is conditional, so a retried isolation never replaces the state saved before the first attempt.
/// </summary>
public sealed class DynamoDbIsolationStateStore(IAmazonDynamoDB dynamoDb, string tableName) : IIsolationStateStore
{
    public const string PartitionKey = "pk";
    public const string SortKey = "sk";
    private const string StateSortKey = "isolation-state";

    public async Task SaveAsync(InstanceReference instance, PreIsolationState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        await CallAsync("PutItem", () => dynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = new Dictionary<string, AttributeValue>
            {
                [PartitionKey] = new(KeyOf(instance)),
                [SortKey] = new(StateSortKey),
                ["findingId"] = new(state.FindingId),
                ["savedAt"] = new(state.SavedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
                ["state"] = new(IsolationStateJson.Serialize(state)),
            },
        }, cancellationToken));
    }

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

    public Task DeleteAsync(InstanceReference instance, CancellationToken cancellationToken) =>
        CallAsync("DeleteItem", () => dynamoDb.DeleteItemAsync(new DeleteItemRequest { TableName = tableName, Key = Key(instance) }, cancellationToken));

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
