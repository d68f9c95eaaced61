using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.State;

/// <summary>
/// Where pre-isolation state lives when it is not on the instance's tags: the DynamoDB ledger (<c>LEDGER_TABLE_NAME</c>),
/// which only the functions write. Without a store, state is kept in tags (<see cref="IsolationStateKeeper"/>).
/// </summary>
public interface IIsolationStateStore
{
    /// <summary>
    /// Saves the state, replacing any saved before for the instance; returns the replaced state when it was an earlier
    /// isolation's (another <see cref="PreIsolationState.SavedAt"/>), for <see cref="KeepSupersededAsync"/>.
    /// </summary>
    Task<PreIsolationState?> SaveAsync(InstanceReference instance, PreIsolationState state, CancellationToken cancellationToken);

    /// <summary>Keeps a superseded state beside the current one, for the record: never loaded, never restored.</summary>
    Task KeepSupersededAsync(InstanceReference instance, PreIsolationState superseded, DateTimeOffset by, CancellationToken cancellationToken);

    Task<PreIsolationState?> LoadAsync(InstanceReference instance, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="released"/> (its <see cref="PreIsolationState.ReleasedAt"/> set) in place of the state, and
    /// records on the isolation's finding, in the ledger, that an analyst released the instance: automatic response
    /// does not contain it again for that finding.
    /// </summary>
    Task MarkReleasedAsync(InstanceReference instance, PreIsolationState released, CancellationToken cancellationToken);

    /// <summary>Every saved state, with its instance: what the operator checks for entries whose instance is gone.</summary>
    IAsyncEnumerable<(InstanceReference Instance, PreIsolationState State)> ListAsync(CancellationToken cancellationToken);
}
