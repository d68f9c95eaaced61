using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>
/// New real events arrive in the workspace's corpus (<c>../shared/events</c>); each must be brought into the
/// repository's <c>tests/events</c> or be named, with its issue, under "Not yet brought in" in its SOURCES.md. A clone
/// with no workspace corpus beside it has nothing to compare and passes.
/// </summary>
public sealed class CorpusDriftTests
{
    [Fact]
    public void WorkspaceCorpus_EveryFile_IsInTheRepositoryOrNamedAsNotYetBroughtIn()
    {
        if (EventCorpus.WorkspaceCorpus is not { } workspace)
        {
            return;
        }

        var pending = EventCorpus.NotYetBroughtIn();
        var missing = EventCorpus.Files(workspace).Except(EventCorpus.All(), StringComparer.Ordinal).ToList();

        Assert.True(
            missing.All(pending.ContainsKey),
            "Real events in ../shared/events missing from tests/events (copy them with their SOURCES.md rows, or name them under \"Not yet brought in\" with an issue):\n"
                + string.Join("\n", missing.Where(m => !pending.ContainsKey(m))));
    }

    [Fact]
    public void NotYetBroughtIn_EveryFile_IsNotAlsoInTheRepository()
    {
        var pending = EventCorpus.NotYetBroughtIn();

        Assert.Empty(pending.Keys.Intersect(EventCorpus.All(), StringComparer.Ordinal));
        Assert.All(pending.Values, issue => Assert.Matches("^[0-9]+$", issue));
    }

    [Fact]
    public void Sources_EveryCorpusFile_HasAProvenanceRow()
    {
        var sources = File.ReadAllText(Path.Combine(EventCorpus.Directory, "SOURCES.md"));

        Assert.NotEmpty(EventCorpus.All());
        Assert.All(EventCorpus.All(), file => Assert.Contains($"| {file} |", sources, StringComparison.Ordinal));
    }
}
