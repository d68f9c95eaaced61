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
    /// <summary>A claim left "in progress" this long is taken to have died with its invocation (the function times out after 2 minutes).</summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    public async Task<bool> ClaimAsync(FindingDecision decision, string findingKey, DateTimeOffset now, CancellationToken cancellationToken)
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
            return true;
        }
        catch (AwsOperationException e) when (e.ErrorCode == "ConditionalCheckFailedException")
        {
            // The same decision is done or under way: count the delivery (a re-sent finding shows here) and stand aside.
            await SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(decision, findingKey),
                UpdateExpression = "ADD deliveries :one SET lastSeenAt = :now",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = Number(1), [":now"] = Number(now.ToUnixTimeSeconds()) },
            }, cancellationToken));
            return false;
        }
    }

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
