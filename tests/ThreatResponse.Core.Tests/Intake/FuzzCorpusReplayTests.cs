using ThreatResponse.Core.Intake;
using ThreatResponse.Fuzz;
using ThreatResponse.Testing.Corpus;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>
/// CI's share of the fuzzing (fuzz/README.md): the seed corpus in fuzz/corpus replayed through the fuzz target itself
/// (<see cref="IntakeTarget"/>, compiled in from fuzz/ThreatResponse.Fuzz: parse, then its contract check), and a short
/// seeded run of the fuzz program's own mutator over it.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    private const int Mutations = 20_000;
    private const int Seed = 20_251_126;

    private static readonly string CorpusDirectory = Path.Combine(RepositoryRoot.Path, "fuzz", "corpus");

    public static TheoryData<string> CorpusFiles() => [.. CorpusNames()];

    [Fact]
    public void Corpus_HasSeeds_AndSomeAreValidEvents()
    {
        var names = CorpusNames();

        Assert.InRange(names.Count, 10, 30);
        Assert.True(names.Count(n => n.StartsWith("valid-", StringComparison.Ordinal)) >= 3, string.Join(", ", names));
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Parse_CorpusFile_ReturnsWellFormedResult(string name)
    {
        var input = File.ReadAllBytes(Path.Combine(CorpusDirectory, name));

        var result = ParseChecked(input, name);

        // valid-*: an accepted event, so that mutations start from inputs that reach past the envelope.
        if (name.StartsWith("valid-", StringComparison.Ordinal))
        {
            Assert.True(result.IsSuccess, $"{name}: {result.Error}");
        }
    }

    [Fact]
    public void Parse_SeededMutationsOfTheCorpus_NeverThrows()
    {
        var corpus = Directory.EnumerateFiles(CorpusDirectory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var random = new Random(Seed);
        var mutator = new IntakeMutator(Seed);
        var accepted = 0;

        for (var i = 0; i < Mutations; i++)
        {
            var input = mutator.Mutate(corpus[random.Next(corpus.Length)], corpus[random.Next(corpus.Length)]);
            var result = ParseChecked(input, $"mutation {i} of seed {Seed} (base64 {Convert.ToBase64String(input)})");
            accepted += result.IsSuccess ? 1 : 0;
        }

        // Not all refused at the first byte: some mutations keep the event valid.
        Assert.InRange(accepted, 1, Mutations - 1);
    }

    private static List<string> CorpusNames() =>
        [.. Directory.EnumerateFiles(CorpusDirectory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    /// <summary>The fuzz target on one input: a throw from the parser, or a result breaking the target's contract, fails the test.</summary>
    private static IntakeResult ParseChecked(byte[] input, string what)
    {
        IntakeResult? result = null;
        var thrown = Record.Exception(() => result = IntakeTarget.Run(input));

        Assert.True(thrown is null, $"{what}: {thrown}");
        return result!;
    }
}
