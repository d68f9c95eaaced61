using Amazon.DynamoDBv2;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Aws.Ledger;
using ThreatResponse.Core.Containment;
using ThreatResponse.Core.Responses;

namespace ThreatResponse.Aws;

/// <summary>
/// Wires the containment engine (and, with <c>LEDGER_TABLE_NAME</c>, the ledger) to AWS from the environment:
/// <c>EXEMPT_TAG_KEY</c>, <c>ALLOWED_ACCOUNTS</c>, <c>LEDGER_TABLE_NAME</c>, and the SDK's endpoint and credential settings.
/// Created once per execution environment.
/// </summary>
public sealed class AwsContainment : IDisposable
{
    private readonly Ec2ClientProvider _ec2;
    private readonly AmazonDynamoDBClient? _dynamoDb;

    public AwsContainment(AwsEnvironment environment, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Environment = environment;
        _ec2 = new Ec2ClientProvider(environment);
        IIsolationStateStore? store = null;
        if (environment["LEDGER_TABLE_NAME"] is { } table)
        {
            _dynamoDb = new AmazonDynamoDBClient(AwsSdk.Configure(new AmazonDynamoDBConfig(), environment, "DYNAMODB", null));
            store = new DynamoDbIsolationStateStore(_dynamoDb, table);
            Ledger = new DynamoDbResponseLedger(_dynamoDb, table);
        }

        Engine = new ContainmentEngine(new Ec2InstanceContainment(_ec2), ContainmentOptions.FromEnvironment(n => environment[n]), time, store);
    }

    public AwsEnvironment Environment { get; }

    public ContainmentEngine Engine { get; }

    /// <summary>The response ledger when <c>LEDGER_TABLE_NAME</c> is set; null otherwise.</summary>
    public IResponseLedger? Ledger { get; }

    /// <summary>The account of the credentials in use (STS <c>GetCallerIdentity</c>), for an operator who did not name one.</summary>
    public async Task<string> CallerAccountAsync(CancellationToken cancellationToken)
    {
        using var sts = new AmazonSecurityTokenServiceClient(AwsSdk.Configure(new AmazonSecurityTokenServiceConfig(), Environment, "STS", null));
        return (await AwsSdk.CallAsync("GetCallerIdentity", () => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken))).Account;
    }

    public void Dispose()
    {
        _ec2.Dispose();
        _dynamoDb?.Dispose();
    }
}
