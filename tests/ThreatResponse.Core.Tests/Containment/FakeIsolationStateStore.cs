using System.Collections.Concurrent;
using ThreatResponse.Core.Containment.State;
using ThreatResponse.Core.Findings;

namespace ThreatResponse.Core.Tests.Containment;

/// <summary>An in-memory ledger: one state per instance, with the calls it received.</summary>
internal sealed class FakeIsolationStateStore : IIsolationStateStore
{
    public ConcurrentDictionary<InstanceReference, PreIsolationState> States { get; } = new();

    public ConcurrentQueue<(string Operation, InstanceReference Instance)> Calls { get; } = new();

    public ConcurrentQueue<PreIsolationState> Superseded { get; } = new();

    public Task<PreIsolationState?> SaveAsync(InstanceReference instance, PreIsolationState state, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("Save", instance));
        var previous = States.GetValueOrDefault(instance);
        States[instance] = state;
        return Task.FromResult(previous is not null && previous.SavedAt != state.SavedAt ? previous : null);
    }

    public Task KeepSupersededAsync(InstanceReference instance, PreIsolationState superseded, DateTimeOffset by, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("KeepSuperseded", instance));
        Superseded.Enqueue(superseded);
        return Task.CompletedTask;
    }

    public Task<PreIsolationState?> LoadAsync(InstanceReference instance, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("Load", instance));
        return Task.FromResult(States.GetValueOrDefault(instance));
    }

    public async IAsyncEnumerable<(InstanceReference Instance, PreIsolationState State)> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Calls.Enqueue(("List", null!));
        await Task.Yield();
        foreach (var (instance, state) in States)
        {
            yield return (instance, state);
        }
    }

    public Task MarkReleasedAsync(InstanceReference instance, PreIsolationState released, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("MarkReleased", instance));
        States[instance] = released;
        return Task.CompletedTask;
    }
}
