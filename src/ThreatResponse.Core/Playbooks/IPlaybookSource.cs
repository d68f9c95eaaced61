namespace ThreatResponse.Core.Playbooks;

/// <summary>Where the playbook's text comes from: <c>PLAYBOOK</c> inline, or the SSM parameter <c>PLAYBOOK_PARAMETER_NAME</c>.</summary>
public interface IPlaybookSource
{
    /// <summary>For messages: <c>PLAYBOOK</c>, <c>SSM parameter /threat-response/playbook</c>.</summary>
    string Description { get; }

    /// <summary>The playbook's text. Failures surface as <see cref="Containment.AwsOperationException"/>.</summary>
    Task<string> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>A playbook given inline (<c>PLAYBOOK</c>).</summary>
public sealed class InlinePlaybookSource(string text, string description = "PLAYBOOK") : IPlaybookSource
{
    public string Description => description;

    public Task<string> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(text);
}

/// <summary>A playbook setting that cannot be used at all (both sources set, say): every read fails, so responses fail safe.</summary>
public sealed class InvalidPlaybookSource(string description, string problem) : IPlaybookSource
{
    public string Description => description;

    public Task<string> ReadAsync(CancellationToken cancellationToken) => throw new PlaybookException(description, [problem]);
}
