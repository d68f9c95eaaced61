using System.Collections.Concurrent;

namespace ThreatResponse.Core.Containment.NetworkAcls;

/// <summary>
/// A response's knowledge of the network ACLs it works on: each VPC's ACLs read once, whatever the number of its
/// instances; one turn at a time on each ACL (two instances choosing free numbers from the same reading would choose
/// the same); and what each ACL holds now, the reading plus the entries this response added, so no re-reading is
/// needed between instances.
/// </summary>
internal sealed class SharedNetworkAcls
{
    private readonly ConcurrentDictionary<(AwsScope Scope, string VpcId), Lazy<Task<IReadOnlyList<NetworkAclState>>>> _reads = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NetworkAclState> _current = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<NetworkAclState>> ReadAsync(AwsScope scope, string vpcId, Func<Task<IReadOnlyList<NetworkAclState>>> read) =>
        _reads.GetOrAdd((scope, vpcId), _ => new Lazy<Task<IReadOnlyList<NetworkAclState>>>(read)).Value;

    public async Task<IDisposable> TakeAsync(string aclId, CancellationToken cancellationToken)
    {
        var turn = _turns.GetOrAdd(aclId, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken);
        return new Release(turn);
    }

    /// <summary>What the ACL holds as far as this response knows; call in the ACL's turn.</summary>
    public NetworkAclState Current(NetworkAclState read) => _current.GetValueOrDefault(read.NetworkAclId, read);

    /// <summary>A fresh reading of the ACL.</summary>
    public void Known(NetworkAclState acl) => _current[acl.NetworkAclId] = acl;

    /// <summary>The entries this response just added to <paramref name="basis"/>.</summary>
    public void Added(NetworkAclState basis, IEnumerable<NetworkAclDenyEntry> entries) =>
        _current[basis.NetworkAclId] = basis with
        {
            Entries = [.. basis.Entries, .. entries.Select(e => new NetworkAclEntryState(e.RuleNumber, e.Egress, Allow: false, "-1", e.Cidr))],
        };

    private sealed class Release(SemaphoreSlim turn) : IDisposable
    {
        public void Dispose() => turn.Release();
    }
}

/// <summary>The network ACLs of an instance's VPCs, or why they could not be read.</summary>
internal sealed record NetworkAclView(IReadOnlyList<NetworkAclState> Acls, AwsOperationException? Error);
