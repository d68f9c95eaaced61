using System.Collections.Concurrent;
using Amazon;
using Amazon.EC2;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// One EC2 client per account and Region, created on first use and kept for the execution environment. The default
/// factory uses the SDK's credential chain and endpoint resolution, which honours <c>AWS_ENDPOINT_URL</c> and
/// <c>AWS_ENDPOINT_URL_EC2</c>.
/// </summary>
public sealed class Ec2ClientProvider(Func<AwsScope, IAmazonEC2> create) : IDisposable
{
    private readonly ConcurrentDictionary<AwsScope, Lazy<IAmazonEC2>> _clients = new();

    public Ec2ClientProvider()
        : this(scope => new AmazonEC2Client(new AmazonEC2Config { RegionEndpoint = RegionEndpoint.GetBySystemName(scope.Region) }))
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
