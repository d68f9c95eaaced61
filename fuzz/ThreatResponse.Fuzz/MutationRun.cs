using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ThreatResponse.Core.Intake;

namespace ThreatResponse.Fuzz;

/// <summary>
/// The fuzzing that needs nothing but .NET: for a set time, mutate inputs from the corpus with <see cref="IntakeMutator"/>
/// and run each through <see cref="IntakeTarget"/>. Blind to coverage; the only feedback is the parser's answer: a mutant
/// whose outcome (accepted, or the error's path and the shape of its message) was not seen before joins the pool that
/// later mutants are drawn from. Stops at the first failure, saving the input to the crash folder.
/// </summary>
internal static partial class MutationRun
{
    private const int MaxPool = 5000;

    public static int Run(TimeSpan duration, int seed, string corpusDirectory, string crashDirectory, string? outputDirectory, TextWriter log)
    {
        var pool = Directory.EnumerateFiles(corpusDirectory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).Where(b => b.Length > 0).ToList();
        if (pool.Count == 0)
        {
            log.WriteLine($"mutate: no inputs in {corpusDirectory}");
            return 2;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in pool)
        {
            seen.Add(Outcome(FindingEventParser.Parse(input)));
        }

        log.WriteLine($"mutate: seed {seed}, {pool.Count} corpus inputs, {seen.Count} distinct outcomes, {duration.TotalSeconds:0} s; not coverage-guided");
        var mutator = new IntakeMutator(seed);
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var nextReport = TimeSpan.FromSeconds(10);
        long executions = 0;
        var added = 0;
        while (clock.Elapsed < duration)
        {
            var input = mutator.Mutate(pool[random.Next(pool.Count)], pool[random.Next(pool.Count)]);
            executions++;
            IntakeResult? result = null;
            try
            {
                result = FindingEventParser.Parse(input);
                IntakeTarget.Check(result);
            }
#pragma warning disable CA1031 // Any exception is the finding being reported.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Directory.CreateDirectory(crashDirectory);
                var file = Path.Combine(crashDirectory, $"crash-{Name(input)}");
                File.WriteAllBytes(file, input);
                log.WriteLine($"mutate: FAILED after {executions} executions in {clock.Elapsed.TotalSeconds:0.0} s (seed {seed}); input saved to {file}");
                log.WriteLine(e.ToString());
                return 1;
            }

            if (pool.Count < MaxPool && seen.Add(Outcome(result)))
            {
                pool.Add(input);
                added++;
                if (outputDirectory is not null)
                {
                    Directory.CreateDirectory(outputDirectory);
                    File.WriteAllBytes(Path.Combine(outputDirectory, Name(input)), input);
                }
            }

            if (clock.Elapsed >= nextReport)
            {
                log.WriteLine($"mutate: {executions} executions, {executions / clock.Elapsed.TotalSeconds:0}/s, pool {pool.Count}, outcomes {seen.Count}");
                nextReport += TimeSpan.FromSeconds(10);
            }
        }

        log.WriteLine($"mutate: done: seed {seed}, {executions} executions in {clock.Elapsed.TotalSeconds:0.0} s ({executions / clock.Elapsed.TotalSeconds:0}/s), {added} inputs added to the pool, {seen.Count} distinct outcomes, 0 failures");
        return 0;
    }

    private static string Name(byte[] input) => Convert.ToHexStringLower(SHA256.HashData(input))[..40];

    /// <summary>What the parser made of an input, with the input's own text and numbers taken out of the message.</summary>
    private static string Outcome(IntakeResult result)
    {
        if (result.IsSuccess)
        {
            return $"ok {result.Event.Kind} {Math.Min(result.Event.Findings.Count, 2)} {result.Event.Findings.Sum(f => f.Instances.Count) > 0}";
        }

        // Broken JSON is one outcome: what the reader says varies with the bytes, and such mutants rarely lead anywhere new.
        var message = result.Error.Message;
        if (message.StartsWith("not valid JSON", StringComparison.Ordinal))
        {
            return "not valid JSON";
        }

        // The input's own text is what the message quotes: drop everything from the first quote to the last (or the end).
        var (first, last) = (message.IndexOf('\'', StringComparison.Ordinal), message.LastIndexOf('\''));
        if (first >= 0)
        {
            message = string.Concat(message.AsSpan(0, first), "''", last > first ? message.AsSpan(last + 1) : []);
        }

        message = Digits().Replace(message, "#");
        var path = QuotedName().Replace(Digits().Replace(result.Error.Path, "#"), "['']");
        return $"{path} {(message.Length > 80 ? message[..80] : message)}";
    }

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();

    [GeneratedRegex(@"\['.*?'\]")]
    private static partial Regex QuotedName();

}
