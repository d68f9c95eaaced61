using ThreatResponse.Core.Containment;

namespace ThreatResponse.Core.Playbooks;

/// <summary>
/// The playbook for each response: read from its source and validated, kept for <c>ttl</c> (default one minute) per
/// execution environment so a change takes effect without a redeploy. Without a source, the embedded default. A
/// playbook that cannot be read or is invalid yields an error instead — the caller then only notifies.
/// </summary>
public sealed class PlaybookProvider(IPlaybookSource? source, TimeProvider time, TimeSpan? ttl = null) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _ttl = ttl ?? TimeSpan.FromMinutes(1);
    private (LoadedPlaybook Load, DateTimeOffset At)? _cached;

    public async Task<LoadedPlaybook> GetAsync(CancellationToken cancellationToken)
    {
        if (source is null)
        {
            return new LoadedPlaybook(Playbook.Default, "the default playbook", null);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_cached is { } cached && now - cached.At < _ttl)
            {
                return cached.Load;
            }

            var load = await LoadAsync(source, cancellationToken);
            _cached = (load, now);
            return load;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private static async Task<LoadedPlaybook> LoadAsync(IPlaybookSource source, CancellationToken cancellationToken)
    {
        try
        {
            var text = await source.ReadAsync(cancellationToken);
            return new LoadedPlaybook(PlaybookParser.Parse(text, source.Description), source.Description, null);
        }
        catch (PlaybookException e)
        {
            return new LoadedPlaybook(null, source.Description, e.Message);
        }
        catch (AwsOperationException e)
        {
            return new LoadedPlaybook(null, source.Description, $"{source.Description} could not be read: {e.Message}");
        }
    }
}
