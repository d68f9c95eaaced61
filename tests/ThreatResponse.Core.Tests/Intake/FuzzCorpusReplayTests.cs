using System.Globalization;
using System.Text;
using ThreatResponse.Core.Intake;
using ThreatResponse.Testing;

namespace ThreatResponse.Core.Tests.Intake;

/// <summary>
/// CI's share of the fuzzing (fuzz/README.md): the seed corpus in fuzz/corpus replayed through the parser, and a short
/// seeded mutation run over it. The parser must return for every input, with exactly one of an event and an error, and an
/// error's path and message must be short and safe to log. The same contract as the fuzz target
/// (fuzz/ThreatResponse.Fuzz/IntakeTarget.cs), which the longer runs check.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    private const int Mutations = 20_000;
    private const int Seed = 20_251_126;

    /// <summary>
    /// As the fuzz target's bound: quoted input is cut to 64 characters, but each escaped character takes six, so a message
    /// can pass 400 (a detail-type of 64 control characters gives about 520); it cannot grow with the input.
    /// </summary>
    private const int MaxErrorLength = 1024;

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
        var accepted = 0;

        for (var i = 0; i < Mutations; i++)
        {
            var input = Mutate(random, corpus[random.Next(corpus.Length)], corpus[random.Next(corpus.Length)]);
            var result = ParseChecked(input, $"mutation {i} of seed {Seed} (base64 {Convert.ToBase64String(input)})");
            accepted += result.IsSuccess ? 1 : 0;
        }

        // Not all refused at the first byte: some mutations keep the event valid.
        Assert.InRange(accepted, 1, Mutations - 1);
    }

    private static List<string> CorpusNames() =>
        [.. Directory.EnumerateFiles(CorpusDirectory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    private static IntakeResult ParseChecked(byte[] input, string what)
    {
        IntakeResult? result = null;
        var thrown = Record.Exception(() => result = FindingEventParser.Parse(input));

        Assert.True(thrown is null, $"{what}: {thrown}");
        Assert.NotNull(result);
        if (result.IsSuccess)
        {
            Assert.Null(result.Error);
            Assert.NotEmpty(result.Event.Findings);
        }
        else
        {
            Assert.Null(result.Event);
            Assert.StartsWith("$", result.Error.Path, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(result.Error.Message), $"{what}: no message at {result.Error.Path}");
            Assert.True(result.Error.Path.Length <= MaxErrorLength && result.Error.Message.Length <= MaxErrorLength, $"{what}: {result.Error.Path.Length}-character path, {result.Error.Message.Length}-character message");
            Assert.False(result.Error.Path.Any(IsUnsafeInLog) || result.Error.Message.Any(IsUnsafeInLog), $"{what}: unsafe character in {Escaped(result.Error.ToString())}");
        }

        return result;
    }

    private static readonly string[] Tokens =
    [
        "null", "true", "0", "-0", "1e400", "\"\"", "[]", "{}", "[[[[", "}}}}", ",", ":", "\"", "\\", "\"\\uD800\"", "\"\\u2028\"", "\u202E",
        "\"detail-type\"", "\"GuardDuty Finding\"", "\"Security Hub Findings - Custom Action\"", "\"findings\"", "\"Resources\"",
        "\"Tags\"", "\"AwsEc2Instance\"", "\"i-0123456789abcdef0\"", "\"arn:aws::ec2:us-east-1:123456789012:instance/i-01234567\"",
    ];

    private static readonly byte[] InterestingBytes = [0x00, 0x0A, 0x22, 0x2C, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x80, 0xC0, 0xED, 0xEF, 0xFF];

    /// <summary>One to three stacked byte-level mutations: the fuzz program's mutator, cut down (no JSON-aware edits).</summary>
    private static byte[] Mutate(Random random, byte[] input, byte[] other)
    {
        var data = new List<byte>(input);
        for (var n = 1 + random.Next(3); n > 0; n--)
        {
            var at = random.Next(data.Count + 1);
            switch (data.Count == 0 ? 0 : random.Next(7))
            {
                case 0:
                    data.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)]));
                    break;
                case 1:
                    data[Math.Min(at, data.Count - 1)] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    data[Math.Min(at, data.Count - 1)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 3:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 4:
                    data.RemoveRange(Math.Min(at, data.Count - 1), Math.Min(random.Next(1, 32), data.Count - Math.Min(at, data.Count - 1)));
                    break;
                case 5:
                    data.InsertRange(at, data.GetRange(random.Next(data.Count), 1).Concat(other.Skip(random.Next(other.Length)).Take(random.Next(64))));
                    break;
                default:
                    data.RemoveRange(at, data.Count - at);
                    data.AddRange(other.Skip(random.Next(other.Length + 1)));
                    break;
            }
        }

        return [.. data];
    }

    private static bool IsUnsafeInLog(char c) =>
        char.IsControl(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string Escaped(string text) =>
        string.Concat(text.Take(300).Select(c => IsUnsafeInLog(c) ? $"\\u{(int)c:X4}" : c.ToString()));
}
