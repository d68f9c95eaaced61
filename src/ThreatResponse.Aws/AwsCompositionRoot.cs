using Amazon.DynamoDBv2;
using ThreatResponse.Aws.Accounts;
using ThreatResponse.Aws.Ec2;
using ThreatResponse.Aws.Fleet;
using ThreatResponse.Aws.Http;
using ThreatResponse.Aws.Iam;
using ThreatResponse.Aws.Ledger;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Responses;
using ThreatResponse.Core.Containment.Engine;

namespace ThreatResponse.Aws;

/// <summary>
/// Wires the containment engine (and, with <c>LEDGER_TABLE_NAME</c>, the ledger) to AWS from the environment's
/// validated settings (<see cref="AwsEnvironment.Settings"/>) and the SDK's endpoint and credential settings.
/// Created once per execution environment.
/// </summary>
public sealed class AwsCompositionRoot : IDisposable
{
    private readonly Ec2ClientProvider _ec2;
    private readonly AmazonDynamoDBClient? _dynamoDb;
    private readonly SignedClientFactory _signed;
    private readonly Evidence.SsmEvidenceCollector? _evidence;

    /// <param name="credentials">The caller's own credentials; null: AWSSDK.Core's default chain.</param>
    /// <param name="handler">Carries the Auto Scaling, ELBv2 and IAM requests; null: a pooled <see cref="SocketsHttpHandler"/>.</param>
    public AwsCompositionRoot(AwsEnvironment environment, TimeProvider time, Func<CancellationToken, Task<Amazon.Runtime.AWSCredentials>>? credentials = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        Environment = environment;
        Credentials = credentials is null ? null : new DelegatingCredentials(credentials);
        Accounts = new MemberAccountCredentials(environment, time, credentials);
        _ec2 = new Ec2ClientProvider(environment, Accounts);
        IIsolationStateStore? store = null;
        DynamoDbQuarantineGroupRegistry? groups = null;
        var settings = environment.Settings;
        if (settings.LedgerTableName is { } table)
        {
            var config = SdkClientSettings.Apply(new AmazonDynamoDBConfig(), environment, "DYNAMODB", null);
            _dynamoDb = Credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(Credentials, config);
            store = new DynamoDbIsolationStateStore(_dynamoDb, table);
            groups = new DynamoDbQuarantineGroupRegistry(_dynamoDb, table);
            Ledger = new DynamoDbResponseLedger(_dynamoDb, table);
        }

        _signed = new SignedClientFactory(environment, handler, time: time);
        var options = settings.Containment;
        _evidence = options.Evidence.Bucket is { } bucket ? new Evidence.SsmEvidenceCollector(environment, Accounts, Credentials, bucket) : null;
        Engine = new ContainmentEngine(
            new Ec2InstanceContainment(_ec2, new Ec2RequestPacer(time, settings.Ec2RateScale)),
            options,
            time,
            new ContainmentPorts
            {
                StateStore = store,
                Fleet = new AwsFleetMembership(_signed, Accounts),
                Roles = new IamInstanceRolePolicies(_signed, Accounts),
                Evidence = _evidence,
                GroupRegistry = groups,
            });
    }

    public AwsEnvironment Environment { get; }

    /// <summary>The caller's own credentials when given; null: the SDK's default chain.</summary>
    public Amazon.Runtime.AWSCredentials? Credentials { get; }

    /// <summary>Credentials per account: the function's own, or the member role's.</summary>
    public MemberAccountCredentials Accounts { get; }

    public ContainmentEngine Engine { get; }

    /// <summary>The response ledger when <c>LEDGER_TABLE_NAME</c> is set; null otherwise.</summary>
    public IResponseLedger? Ledger { get; }

    /// <summary>The account of the credentials in use (STS <c>GetCallerIdentity</c>), for an operator who did not name one.</summary>
    public Task<string> CallerAccountAsync() => Accounts.HomeAccountAsync();

    public void Dispose()
    {
        _ec2.Dispose();
        _dynamoDb?.Dispose();
        _signed.Dispose();
        _evidence?.Dispose();
        Accounts.Dispose();
    }
}
