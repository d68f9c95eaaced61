using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace ThreatResponse.LocalAws;

/// <summary>The ledger table as template.yaml creates it (string <c>pk</c> and <c>sk</c>, on demand), for the demo and the tests.</summary>
public static class LedgerTable
{
    public static async Task<string> CreateAsync(IAmazonDynamoDB dynamoDb, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        await dynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S)],
            KeySchema = [new("pk", KeyType.HASH), new("sk", KeyType.RANGE)],
        }, cancellationToken);
        return name;
    }
}
