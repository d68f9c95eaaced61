using System.Collections.Concurrent;
using Amazon.EC2;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// One EC2 client per account and Region, created on first use and kept for the execution environment.
/// </summary>
public sealed class Ec2ClientProvider(Func<AwsScope, IAmazonEC2> create) : IDisposable
{
    private readonly ConcurrentDictionary<AwsScope, Lazy<IAmazonEC2>> _clients = new();

    /// <summary>
    /// Clients with the account's credentials (the function's own, or the member role's), pointed at
    /// <c>AWS_ENDPOINT_URL(_EC2)</c> when set, else the Region's endpoint.
    /// </summary>
    public Ec2ClientProvider(AwsEnvironment environment, Accounts.MemberAccountCredentials credentials)
        : this(scope => new AmazonEC2Client(credentials.For(scope.Account), SdkClientSettings.Apply(new AmazonEC2Config(), environment, "EC2", scope.Region)))
    {
    }

    public IAmazonEC2 For(AwsScope scope) => _clients.GetOrAdd(scope, s => new Lazy<IAmazonEC2>(() => create(s))).Value;

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }
    }
}
