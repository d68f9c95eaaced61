using System.Globalization;
using SharpFuzz;
using ThreatResponse.Fuzz;

// Modes (see ../README.md):
//   libfuzzer                      run under libFuzzer through the libfuzzer-dotnet driver (coverage-guided)
//   afl                            run under AFL++ (afl-fuzz); SharpFuzz serves its fork server in-process (coverage-guided)
//   replay [-v] PATH...            every file in each PATH (a folder or a file) through the target once
//   mutate SECONDS SEED CORPUS CRASHES [OUT]
//                                  seeded blind mutation of the corpus in this process, not coverage-guided
return args switch
{
    ["libfuzzer"] => LibFuzzer(),
    ["afl"] => Afl(),
    ["replay", .. var paths] when paths.Length > 0 => Replay.Run(paths, Console.Out),
    ["mutate", var seconds, var seed, var corpus, var crashes, .. var output] when output.Length <= 1
        && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s)
        && int.TryParse(seed, NumberStyles.None, CultureInfo.InvariantCulture, out var n) =>
        MutationRun.Run(TimeSpan.FromSeconds(s), n, corpus, crashes, output.FirstOrDefault(), Console.Out),
    _ => Usage(),
};

static int LibFuzzer()
{
    // An exception thrown by the target is reported to libFuzzer as a crash; the input is saved under -artifact_prefix.
    Fuzzer.LibFuzzer.Run(span => _ = IntakeTarget.Run(span));
    return 0;
}

static int Afl()
{
    Fuzzer.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        _ = IntakeTarget.Run(buffer.ToArray());
    });
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: ThreatResponse.Fuzz libfuzzer
               ThreatResponse.Fuzz afl
               ThreatResponse.Fuzz replay [-v] PATH...
               ThreatResponse.Fuzz mutate SECONDS SEED CORPUS_DIR CRASH_DIR [OUTPUT_DIR]
        Normally started by fuzz/run.sh; see fuzz/README.md.
        """);
    return 2;
}
