using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Aws.Ledger;

/// <summary>
/// <see cref="IResponseLedger"/> in the DynamoDB ledger table: one item per finding and instance
/// (<c>pk = finding#KEY</c>, <c>sk = instance#ACCOUNT#REGION#ID</c>, or <c>finding</c> when it names none) with the
/// decision, the rule, the outcome, the report id and the deliveries seen; expiring after 90 days (TTL
/// <c>expiresAt</c>). A claim is a conditional write, so of concurrent deliveries only one acts.
/// </summary>
public sealed class DynamoDbResponseLedger(IAmazonDynamoDB dynamoDb, string tableName) : IResponseLedger
{
    /// <summary>
    /// A claim left "in progress" this long is taken to have died with its invocation: the functions time out after
    /// 120 s (template.yaml), so no live invocation holds a claim longer. Shorter than Lambda's two retries (about 1 and
    /// 3 minutes after the first attempt), so the second retry takes over from an invocation that died.
    /// </summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(150);

    private static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    public async Task<ClaimOutcome> ClaimAsync(FindingDecision decision, string findingKey, DateTimeOffset now, bool countDelivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        try
        {
            await SdkCall.RunAsync("PutItem", () => dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = new Dictionary<string, AttributeValue>(Key(decision, findingKey))
                {
                    ["findingId"] = new(decision.Finding.Id),
                    ["decision"] = new(decision.Key),
                    ["rule"] = new(decision.Rule),
                    ["status"] = new("in-progress"),
                    ["claimedAt"] = Number(now.ToUnixTimeSeconds()),
                    ["deliveries"] = Number(1),
                    ["expiresAt"] = Number((now + Retention).ToUnixTimeSeconds()),
                },
                ConditionExpression = "attribute_not_exists(pk) OR #decision <> :decision OR #status = :failed OR (#status = :inProgress AND claimedAt < :stale)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#decision"] = "decision", ["#status"] = "status" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":decision"] = new(decision.Key),
                    [":failed"] = new("failed"),
                    [":inProgress"] = new("in-progress"),
                    [":stale"] = Number((now - ClaimLifetime).ToUnixTimeSeconds()),
                },
            }, cancellationToken));
            return ClaimOutcome.Claimed;
        }
        catch (AwsOperationException e) when (e.ErrorCode == "ConditionalCheckFailedException")
        {
            // The same decision is done or under way: count the delivery (a re-sent finding shows here), and say which.
            if (!countDelivery)
            {
                return await IsHeldAsync(decision, findingKey, now, cancellationToken) ? ClaimOutcome.UnderWayElsewhere : ClaimOutcome.AlreadyDone;
            }

            var counted = await SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(decision, findingKey),
                UpdateExpression = "ADD deliveries :one SET lastSeenAt = :now",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = Number(1), [":now"] = Number(now.ToUnixTimeSeconds()) },
                ReturnValues = ReturnValue.ALL_NEW,
            }, cancellationToken));
            return Held(counted.Attributes, decision, now) ? ClaimOutcome.UnderWayElsewhere : ClaimOutcome.AlreadyDone;
        }
    }

    public async Task<bool> IsHeldAsync(FindingDecision decision, string findingKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var item = await SdkCall.RunAsync("GetItem", () => dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(decision, findingKey),
            ConsistentRead = true,
        }, cancellationToken));
        return Held(item.Item, decision, now);
    }

    /// <summary>In progress for this same decision, and claimed recently enough that its invocation may still be alive.</summary>
    private static bool Held(Dictionary<string, AttributeValue>? item, FindingDecision decision, DateTimeOffset now) =>
        item is not null
        && item.TryGetValue("status", out var status) && status.S == "in-progress"
        && item.TryGetValue("decision", out var held) && held.S == decision.Key
        && item.TryGetValue("claimedAt", out var at) && long.TryParse(at.N, NumberStyles.None, CultureInfo.InvariantCulture, out var claimedAt)
        && claimedAt >= (now - ClaimLifetime).ToUnixTimeSeconds();

    public Task RecordAsync(FindingDecision decision, string findingKey, LedgerOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(outcome);
        return SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(decision, findingKey),
            UpdateExpression = "SET #status = :status, reportId = :report, summary = :summary, completedAt = :at",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":status"] = new(outcome.Outcome),
                [":report"] = new(outcome.ReportId),
                [":summary"] = new(string.IsNullOrEmpty(outcome.Summary) ? "-" : outcome.Summary.Length <= 1000 ? outcome.Summary : outcome.Summary[..1000]),
                [":at"] = Number(outcome.At.ToUnixTimeSeconds()),
            },
        }, cancellationToken));
    }

    private static Dictionary<string, AttributeValue> Key(FindingDecision decision, string findingKey) => new()
    {
        [DynamoDbIsolationStateStore.PartitionKey] = new($"finding#{findingKey}"),
        [DynamoDbIsolationStateStore.SortKey] = new(decision.Instance is { } i ? $"instance#{i.Account}#{i.Region}#{i.InstanceId}" : "finding"),
    };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
