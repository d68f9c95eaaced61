using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Containment.State;

/// <summary>
/// Where pre-isolation state lives when it is not on the instance's tags (the DynamoDB ledger, <c>LEDGER_TABLE_NAME</c>).
/// Without a store, state is kept in tags (<see cref="IsolationStateTags"/>).
/// </summary>
public interface IIsolationStateStore
{
    /// <summary>Saves the state unless one is already saved for the instance (a retried isolation keeps the original); returns false then.</summary>
    Task<bool> SaveIfAbsentAsync(InstanceReference instance, PreIsolationState state, CancellationToken cancellationToken);

    Task<PreIsolationState?> LoadAsync(InstanceReference instance, CancellationToken cancellationToken);

    Task DeleteAsync(InstanceReference instance, CancellationToken cancellationToken);
}
