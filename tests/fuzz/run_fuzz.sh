#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh SECONDS [--binary PATH] — fuzzes the Flow front end
# (parse + sema) with libFuzzer for SECONDS seconds.
#
# Without --binary it first configures and builds a clang tree with
# -DFLOW_BUILD_FUZZER=ON (default build-fuzz/ in the source root, or
# $FLOW_FUZZ_BUILD_DIR) and builds only the fuzz target; later builds are
# incremental. That first build dominates the smoke test's time, so the tree
# is built at -O0 -gline-tables-only (build type FuzzSmoke): about half the
# compile time of -O2 -g, line numbers in ASan reports kept, and asserts on
# (no NDEBUG), which the -O2 release flags had turned off. The lower
# execution speed costs little in a smoke run: every seed still runs first.
# The corpus lives in $FLOW_FUZZ_CORPUS (default: <build>/fuzz-corpus), seeded
# from every .flow file under examples/, tests/lit/ and bench/workloads/.
# Crashing inputs are written to <build>/fuzz-artifacts/. Exit status is
# libFuzzer's: 0 when no crash, leak or timeout was found.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 SECONDS [--binary PATH]" >&2
  exit 2
fi
seconds=$1
shift
binary=""
if [[ ${1:-} == --binary ]]; then
  binary=$2
fi

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FLOW_FUZZ_BUILD_DIR:-$src/build-fuzz}
jobs=${FLOW_FUZZ_JOBS:-2}

if [[ -z $binary ]]; then
  # (Re)configure a new tree, or one made with other flags by an older script.
  if [[ ! -f $build/build.ninja ]] || ! grep -qx "CMAKE_BUILD_TYPE:STRING=FuzzSmoke" "$build/CMakeCache.txt"; then
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=FuzzSmoke \
      -DCMAKE_C_FLAGS_FUZZSMOKE="-O0 -gline-tables-only" \
      -DCMAKE_CXX_FLAGS_FUZZSMOKE="-O0 -gline-tables-only" \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DFLOW_BUILD_FUZZER=ON -DFLOW_BUILD_BENCH=OFF >/dev/null
  fi
  ninja -C "$build" -j"$jobs" flow_fuzz_frontend >/dev/null
  binary=$build/tests/fuzz/flow_fuzz_frontend
fi

corpus=${FLOW_FUZZ_CORPUS:-$build/fuzz-corpus}
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus" "$artifacts"
# Seeds: every .flow we have (copied, so libFuzzer never writes into the tree).
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
find "$src/examples" "$src/tests/lit" "$src/bench/workloads" -name '*.flow' -print0 2>/dev/null |
  while IFS= read -r -d '' f; do cp "$f" "$seeds/$(echo "$f" | md5sum | cut -c1-16).flow"; done

# -timeout: one input taking 10 s is a hang; -rss_limit_mb: runaway memory.
log=$build/fuzz-last-run.log
set +e
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus" "$seeds" >"$log" 2>&1
status=$?
set -e
grep -E "^(#[0-9]+ *(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" "$log" || true
[[ $status -eq 0 ]] || echo "fuzzing failed (status $status); full log: $log" >&2
exit $status
