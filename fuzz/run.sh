#!/usr/bin/env bash
# Fuzzing the intake (ThreatResponse.Core.Intake.FindingEventParser.Parse). See fuzz/README.md.
#
#   fuzz/run.sh smoke                    build, then replay fuzz/corpus through the target (what CI runs; seconds)
#   fuzz/run.sh replay PATH...           replay files or folders (a saved crash, fuzz/corpus-generated/...) with -v output
#   fuzz/run.sh mutate [SECONDS] [SEED]  seeded blind mutation in one .NET process (default 60 s, seed 1); needs nothing
#                                        but .NET, NOT coverage-guided
#   fuzz/run.sh libfuzzer [SECONDS]      coverage-guided: libFuzzer through the libfuzzer-dotnet driver (default 60 s);
#                                        needs LIBFUZZER_DOTNET=/path/to/libfuzzer-dotnet (or it on PATH)
#   fuzz/run.sh afl [SECONDS]            coverage-guided: AFL++ (Debian package afl++) (default 60 s)
#
# New inputs go to fuzz/corpus-generated/<fuzzer>/, crashes to fuzz/crashes/ (both gitignored). A crash becomes a test
# case: see "When it finds something" in fuzz/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
project="$here/ThreatResponse.Fuzz/ThreatResponse.Fuzz.csproj"
corpus="$here/corpus"
generated="$here/corpus-generated"
crashes="$here/crashes"
dictionary="$here/intake.dict"
# The instrumented build lives apart from the normal bin/Debug and bin/Release, so it never leaks into them.
instrumented="$here/ThreatResponse.Fuzz/bin/instrumented"

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

build_debug() {
  local log
  if ! log="$(dotnet build "$project" -c Debug --nologo -v quiet -clp:NoSummary 2>&1)"; then
    echo "$log" >&2
    exit 1
  fi
  echo "$here/ThreatResponse.Fuzz/bin/Debug/net10.0/ThreatResponse.Fuzz.dll"
}

# Release build into its own folder, then SharpFuzz's instrumentation of the parser's assembly there (in place, on this
# copy only: never the one in src/ThreatResponse.Core/obj or bin).
build_instrumented() {
  if ! command -v sharpfuzz >/dev/null 2>&1; then
    export PATH="$PATH:$HOME/.dotnet/tools"
    if ! command -v sharpfuzz >/dev/null 2>&1; then
      echo "installing the sharpfuzz tool (SharpFuzz.CommandLine 2.3.0)" >&2
      dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >&2
    fi
  fi
  rm -rf "$instrumented"
  dotnet build "$project" -c Release --nologo -v quiet -clp:NoSummary -o "$instrumented" >&2
  sharpfuzz "$instrumented/ThreatResponse.Core.dll" >&2
  echo "instrumented $instrumented/ThreatResponse.Core.dll" >&2
}

seconds_arg() {
  local value="${1:-60}"
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "SECONDS must be a whole number, not '$value'" >&2; exit 2; }
  echo "$value"
}

mode="${1:-}"
[ $# -gt 0 ] && shift
case "$mode" in
  smoke)
    dll="$(build_debug)"
    dotnet "$dll" replay "$corpus"
    ;;

  replay)
    [ $# -gt 0 ] || usage
    dll="$(build_debug)"
    dotnet "$dll" replay -v "$@"
    ;;

  mutate)
    seconds="$(seconds_arg "${1:-}")"
    seed="${2:-1}"
    dll="$(build_debug)"
    mkdir -p "$generated/mutate"
    dotnet "$dll" mutate "$seconds" "$seed" "$corpus" "$crashes" "$generated/mutate"
    ;;

  libfuzzer)
    seconds="$(seconds_arg "${1:-}")"
    driver="${LIBFUZZER_DOTNET:-$(command -v libfuzzer-dotnet || true)}"
    if [ -z "$driver" ] || [ ! -x "$driver" ]; then
      cat >&2 <<'MSG'
libfuzzer: the libfuzzer-dotnet driver was not found. It is a small program of the SharpFuzz project
(github.com/Metalnem/libfuzzer-dotnet), built as that project documents; it is not part of this repository.
Put it on PATH or set LIBFUZZER_DOTNET=/path/to/libfuzzer-dotnet.
Without it: fuzz/run.sh afl (coverage-guided, Debian package afl++) or fuzz/run.sh mutate (blind, needs nothing).
MSG
      exit 3
    fi
    build_instrumented
    mkdir -p "$generated/libfuzzer" "$crashes"
    # The first folder is where libFuzzer writes the inputs that reach new coverage; the seed corpus is only read.
    "$driver" --target_path="$instrumented/ThreatResponse.Fuzz" --target_arg=libfuzzer \
      -max_total_time="$seconds" -timeout=10 -max_len=8192 -dict="$dictionary" \
      -artifact_prefix="$crashes/" -print_final_stats=1 \
      "$generated/libfuzzer" "$corpus"
    ;;

  afl)
    seconds="$(seconds_arg "${1:-}")"
    if ! command -v afl-fuzz >/dev/null 2>&1; then
      echo "afl: afl-fuzz not found; install it with: apt-get install afl++" >&2
      exit 3
    fi
    build_instrumented
    mkdir -p "$generated/afl" "$crashes"
    # The target is a .NET program, not an afl-cc binary: AFL_SKIP_BIN_CHECK. SharpFuzz's Fuzzer.Run speaks AFL's fork
    # server protocol itself and runs every input in the one process. A second run resumes the first (AFL_AUTORESUME).
    AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=1 \
      afl-fuzz -i "$corpus" -o "$generated/afl" -V "$seconds" -t 5000 -m none -x "$dictionary" \
      -- "$instrumented/ThreatResponse.Fuzz" afl || status=$?
    found=0
    for crash in "$generated"/afl/default/crashes/id:*; do
      [ -e "$crash" ] || continue
      cp "$crash" "$crashes/afl-$(sha1sum "$crash" | cut -c1-40)"
      found=$((found + 1))
    done
    [ -f "$generated/afl/default/fuzzer_stats" ] && grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg)' "$generated/afl/default/fuzzer_stats"
    echo "afl: $found crash(es) copied to $crashes"
    [ "$found" -eq 0 ] && exit "${status:-0}" || exit 1
    ;;

  *)
    usage
    ;;
esac
