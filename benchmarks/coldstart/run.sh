#!/usr/bin/env bash
# Cold start and package size (issue 9; results in BENCHMARKS.md).
#   benchmarks/coldstart/run.sh [RUNS] [--knobs]
# Publishes the CLI (and WarmHost) with and without ReadyToRun for this machine's RID, and ThreatResponse.Functions for
# Lambda arm64 with and without, then runs coldstart.py: ThreatResponse against boto3_isolate.py on one moto_server,
# cold (a fresh process per isolation) and warm (one process), RUNS measured rounds (default 10) after one warm-up.
# Needs the .NET 10 SDK, python3 with boto3 and moto[server]. COLDSTART_KEEP=1 keeps the publish folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=10
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
out=$(mktemp -d "${TMPDIR:-/tmp}/coldstart.XXXXXX")
if [[ ${COLDSTART_KEEP:-} == 1 ]]; then echo "publish folder: $out" >&2; else trap 'rm -rf "$out"' EXIT; fi
rid=$(dotnet --info | awk '$1 == "RID:" { print $2; exit }')

publish() { # project, RID, ReadyToRun, folder; retried once (another build may hold a file in obj/)
  local args=("$1" -c Release -r "$2" --self-contained false -p:PublishReadyToRun="$3" -o "$out/$4" -nologo)
  echo "publish $1 ($2, ReadyToRun=$3)" >&2
  dotnet publish "${args[@]}" >"$out/$4.log" 2>&1 || dotnet publish "${args[@]}" >"$out/$4.log" 2>&1 || { cat "$out/$4.log" >&2; exit 1; }
}
publish src/ThreatResponse.Cli "$rid" true cli-r2r
publish src/ThreatResponse.Cli "$rid" false cli-jit
publish benchmarks/coldstart/WarmHost "$rid" true warm-r2r
publish benchmarks/coldstart/WarmHost "$rid" false warm-jit
publish src/ThreatResponse.Functions linux-arm64 true fn-r2r
publish src/ThreatResponse.Functions linux-arm64 false fn-jit

python3 benchmarks/coldstart/coldstart.py --publish "$out" --runs "$runs" "$@"
