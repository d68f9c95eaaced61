using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Architecture;

/// <summary>
/// No source file over 300 lines unless its first line says why it is one thing (<c>// Kept whole: …</c>): a long file
/// that holds several things is split by what it holds.
/// </summary>
public sealed class FileSizeTests
{
    private const int MaxLines = 300;

    [Fact]
    public void SourceFiles_Over300Lines_SayWhyTheyAreOneThing()
    {
        var src = Path.Combine(RepositoryRoot.Path, "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(src, f), Lines: File.ReadAllLines(f)))
            .Where(f => f.Lines.Length > MaxLines && !f.Lines[0].StartsWith("// Kept whole: ", StringComparison.Ordinal))
            .Select(f => $"{f.File}: {f.Lines.Length} lines")
            .ToList();

        Assert.True(offenders.Count == 0, $"over {MaxLines} lines without a '// Kept whole: <why>' first line:\n" + string.Join('\n', offenders));
    }
}
