using ThreatResponse.Core.Containment.Ec2;
using ThreatResponse.Core.Containment.Engine;
namespace ThreatResponse.Core.Containment.State;

/// <summary>
/// One instance's pre-isolation state, kept in the ledger when there is one and otherwise in the instance's tags. Only
/// the ledger is authority: anyone allowed <c>ec2:CreateTags</c> on the instance (its own role, often) can rewrite
/// tags, so with a ledger tags are written for people and never read, and without one release refuses what a forged
/// state could abuse (see <see cref="Release.ReleaseStep"/>).
/// </summary>
internal sealed class IsolationStateKeeper(IInstanceContainment ec2, IIsolationStateStore? store, InstanceContext context)
{
    /// <summary>The state is in the ledger, which only the functions write.</summary>
    public bool IsAuthoritative => store is not null;

    public string Where => store is not null ? "ledger" : "instance tags";

    /// <summary>The state of an earlier isolation the save replaced: kept for the record once the isolation is done.</summary>
    public PreIsolationState? Superseded { get; private set; }

    /// <summary>Keeps <see cref="Superseded"/> beside the current state; off the critical path, after the isolation.</summary>
    public Task KeepSupersededAsync(CancellationToken cancellationToken) =>
        store is not null && Superseded is { } superseded ? store.KeepSupersededAsync(context.Instance, superseded, context.Now, cancellationToken) : Task.CompletedTask;

    /// <summary>Saves (replaces) the state; returns what was saved where.</summary>
    /// <exception cref="Engine.StepFailedException">The state does not fit in the instance's tags.</exception>
    public async Task<string> SaveAsync(PreIsolationState state, CancellationToken cancellationToken)
    {
        if (store is not null)
        {
            if (!context.DryRun)
            {
                // Saved every time; only the first save of this isolation can replace an earlier isolation's state.
                // (`Superseded ??= await …` would skip the save itself once a superseded state is known.)
                var replaced = await store.SaveAsync(context.Instance, state, cancellationToken);
                Superseded ??= replaced;
            }

            return context.DryRun ? "would save to the ledger" : "ledger";
        }

        var tags = IsolationStateTags.Encode(state);
        var existing = context.Description.Tags;
        var others = existing.Keys.Count(k => !k.StartsWith(QuarantineTags.Prefix, StringComparison.Ordinal));

        // Room for the status tags written after isolation too.
        if (others + tags.Count + 3 > IsolationStateTags.MaxTagsPerResource)
        {
            throw new Engine.StepFailedException("TagLimitExceeded",
                $"the state needs {tags.Count} tags and the instance already has {others} of EC2's {IsolationStateTags.MaxTagsPerResource}; set LEDGER_TABLE_NAME to keep state in DynamoDB");
        }

        await ec2.SetTagsAsync(context.Instance, tags, context.DryRun, cancellationToken);

        // Parts beyond the new state's (planted, or left by a longer state) would corrupt it: removed.
        var stale = existing.Keys.Where(k => IsolationStateTags.IsStateKey(k) && !tags.ContainsKey(k)).ToList();
        if (stale.Count > 0)
        {
            await ec2.RemoveTagsAsync(context.Instance, stale, context.DryRun, cancellationToken);
        }

        return $"{tags.Count} state tag(s)";
    }

    /// <summary>The saved state, or null when none is saved.</summary>
    /// <exception cref="FormatException">Tags hold a state that cannot be read.</exception>
    public async Task<PreIsolationState?> LoadAsync(CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return IsolationStateTags.Decode(context.Description.Tags);
        }

        var loaded = await store.LoadAsync(context.Instance, cancellationToken);
        _loaded = loaded;
        return loaded;
    }

    private volatile PreIsolationState? _loaded;

    /// <summary>The state is the one the ledger held for the instance (an earlier isolation's), not one captured now or read from tags.</summary>
    public bool LoadedFromStore(PreIsolationState state) => store is not null && ReferenceEquals(state, _loaded);

    /// <summary>
    /// Keeps the released state in the ledger (see <see cref="IIsolationStateStore.MarkReleasedAsync"/>). Tags keep
    /// nothing after release: anyone who can tag the instance could forge a state there, so it is not kept to act on later.
    /// </summary>
    public Task MarkReleasedAsync(PreIsolationState released, CancellationToken cancellationToken) =>
        store is not null && !context.DryRun ? store.MarkReleasedAsync(context.Instance, released, cancellationToken) : Task.CompletedTask;
}
