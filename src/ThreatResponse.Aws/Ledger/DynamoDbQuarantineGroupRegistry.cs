using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Containment.Groups;

namespace ThreatResponse.Aws.Ledger;

/// <summary>
/// The quarantine groups ThreatResponse created, in the DynamoDB ledger: one item per account and Region, keyed
/// <c>pk = quarantine-groups#ACCOUNT#REGION</c>, <c>sk = quarantine-groups</c>, with one attribute per VPC and role
/// (<c>vpc-…#isolation</c> = the group id). One consistent <c>GetItem</c> reads every VPC's groups; a group is recorded
/// with a conditional <c>UpdateItem</c>, so two responses creating a VPC's group at once agree on one.
/// </summary>
public sealed class DynamoDbQuarantineGroupRegistry(IAmazonDynamoDB dynamoDb, string tableName) : IQuarantineGroupRegistry
{
    private const string SortKeyValue = "quarantine-groups";

    public async Task<IReadOnlyList<RecordedQuarantineGroup>> ListAsync(AwsScope scope, CancellationToken cancellationToken)
    {
        var item = await GetAsync(scope, cancellationToken);
        var groups = new List<RecordedQuarantineGroup>();
        foreach (var (name, value) in item)
        {
            if (name.Split('#') is [var vpcId, var roleName] && Enum.TryParse<QuarantineGroupRole>(roleName, ignoreCase: true, out var role) && value.S is { Length: > 0 } groupId)
            {
                groups.Add(new RecordedQuarantineGroup(vpcId, role, groupId));
            }
        }

        return groups;
    }

    public async Task<string> RecordAsync(AwsScope scope, RecordedQuarantineGroup group, string? replacing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        var (vpcId, role, groupId) = group;
        var names = new Dictionary<string, string> { ["#g"] = AttributeName(vpcId, role) };
        var values = new Dictionary<string, AttributeValue> { [":id"] = new(groupId) };
        var condition = "attribute_not_exists(#g)";
        if (replacing is not null)
        {
            // The recorded group is gone or could not be repaired: replaced, unless another response replaced it first.
            condition += " OR #g = :old";
            values[":old"] = new(replacing);
        }

        try
        {
            await SdkCall.RunAsync("UpdateItem", () => dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(scope),
                UpdateExpression = "SET #g = :id",
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, cancellationToken));
            return groupId;
        }
        catch (AwsOperationException e) when (e.ErrorCode == "ConditionalCheckFailedException")
        {
            var item = await GetAsync(scope, cancellationToken);
            return item.TryGetValue(names["#g"], out var recorded) && recorded.S is { Length: > 0 } id
                ? id
                : throw new AwsOperationException("UpdateItem", e.ErrorCode, $"the quarantine group of {vpcId} ({role}) could not be recorded and none is", e);
        }
    }

    private async Task<Dictionary<string, AttributeValue>> GetAsync(AwsScope scope, CancellationToken cancellationToken) =>
        (await SdkCall.RunAsync("GetItem", () => dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(scope),
            ConsistentRead = true,
        }, cancellationToken))).Item ?? [];

    private static string AttributeName(string vpcId, QuarantineGroupRole role) => $"{vpcId}#{role.ToString().ToLowerInvariant()}";

    private static Dictionary<string, AttributeValue> Key(AwsScope scope) => new()
    {
        [DynamoDbIsolationStateStore.PartitionKey] = new($"quarantine-groups#{scope.Account}#{scope.Region}"),
        [DynamoDbIsolationStateStore.SortKey] = new(SortKeyValue),
    };
}
