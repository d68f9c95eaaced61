using System.Collections.Concurrent;
using Amazon.EC2;
using ThreatResponse.Aws.Accounts;
using ThreatResponse.Core.Containment;

namespace ThreatResponse.Aws.Ec2;

/// <summary>
/// One EC2 client per account and Region, created on first use and kept for the execution environment; in a member
/// account, one per finding too, since the role session (and so the credentials) names the finding. The function's own
/// account needs no session, so its client serves every finding.
/// </summary>
public sealed class Ec2ClientProvider : IDisposable
{
    /// <summary>Per-finding clients kept at most; beyond it the oldest findings' clients are let go (the SDK shares their HTTP connections).</summary>
    private const int MaxKept = 256;

    private readonly ConcurrentDictionary<(AwsScope Scope, string? Session), Lazy<IAmazonEC2>> _clients = new();
    private readonly ConcurrentQueue<(AwsScope, string?)> _order = new();
    private readonly Func<AwsScope, string?, IAmazonEC2> _create;
    private readonly Func<string, bool> _sessionless;

    /// <summary>
    /// Clients with the account's credentials (the function's own, or the member role's), pointed at
    /// <c>AWS_ENDPOINT_URL(_EC2)</c> when set, else the Region's endpoint; they do not retry (the caller does, paced).
    /// </summary>
    public Ec2ClientProvider(AwsEnvironment environment, Accounts.MemberAccountCredentials credentials)
        : this((scope, session) => new AmazonEC2Client(credentials.For(scope.Account, session), SdkClientSettings.ApplyEc2(new AmazonEC2Config(), environment, scope.Region)), credentials.IsKnownHome)
    {
    }

    /// <summary>A client for every account and Region, whatever the finding: tests and benchmarks with one emulator.</summary>
    public Ec2ClientProvider(Func<AwsScope, IAmazonEC2> create)
        : this((scope, _) => create(scope), _ => true)
    {
    }

    /// <param name="sessionless">The account's calls need no role session (the function's own): one client for every finding.</param>
    private Ec2ClientProvider(Func<AwsScope, string?, IAmazonEC2> create, Func<string, bool> sessionless)
    {
        _create = create;
        _sessionless = sessionless;
    }

    /// <param name="findingKey">The finding the calls are for; null: an operator's.</param>
    public IAmazonEC2 For(AwsScope scope, string? findingKey = null)
    {
        findingKey = _sessionless(scope.Account) ? null : findingKey;
        var key = (scope, findingKey is null ? null : MemberAccountCredentials.SessionNameFor(findingKey));
        if (_clients.TryGetValue(key, out var existing))
        {
            return existing.Value;
        }

        var client = _clients.GetOrAdd(key, k => new Lazy<IAmazonEC2>(() => _create(k.Scope, findingKey)));
        _order.Enqueue(key);
        while (_order.Count > MaxKept && _order.TryDequeue(out var oldest))
        {
            // Not disposed: a response still under way may hold it; the garbage collector takes it when it is done.
            _clients.TryRemove(oldest, out _);
        }

        return client.Value;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }
    }
}
