#!/usr/bin/env bash
# scripts/test.sh — README command 2 and what .ci/run runs: the whole test
# suite. Starts with what it needs from command 1 (deps + build, no demo) so
# it passes on a clean clone, then runs:
#   1. ctest in the main build (Catch2 unit tests, the lit suite, the fuzz
#      smoke run, the benchmark checksum run);
#   2. the runtime's tests under ThreadSanitizer and AddressSanitizer, each in
#      its own build tree (runtime only: the sanitizers are about concurrency).
# Ends with one line "tests: N passed, N failed" summing every ctest run.
#
# Time (2 cores): the two sanitizer trees are configured and built, one
# after the other, at the lowest CPU priority (nice 19) *while* step 1 runs,
# so they use the CPU that step 1 leaves idle (lit tests that sleep, deadlines,
# the single-threaded fuzz run) instead of adding their build time after it.
# Their tests run after step 1, each as soon as its tree is built. The fuzz
# smoke builds its clang tree at -O0 (tests/fuzz/run_fuzz.sh). What runs
# where: README.md "Tests".
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${FLOW_BUILD_DIR:-$ROOT/build}
JOBS=$(nproc)

"$ROOT/scripts/setup.sh" --no-demo || { echo "test.sh: setup failed" >&2; exit 1; }

# Any sanitizer report fails the test that produced it.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1"

passed=0
failed=0
status=0

# Runs ctest in $1 with extra arguments; adds its counts to the totals.
run_ctest() {
  local dir=$1; shift
  local log
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  # "100% tests passed, 0 tests failed out of 12"
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -n "$line" ]; then
    local f t
    f=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    t=$(echo "$line" | sed -E 's/.*failed out of ([0-9]+).*/\1/')
    passed=$((passed + t - f))
    failed=$((failed + f))
  else
    failed=$((failed + 1))  # ctest itself did not run
  fi
  rm -f "$log"
  if [ "$rc" -ne 0 ]; then status=1; fi
}

# Configures and builds the runtime and its tests under sanitizer $1 in
# build-$1/, logging to $BUILD/sanitizer-$1.log; writes its exit status to
# $BUILD/sanitizer-$1.status.
build_sanitizer_tree() {
  local san=$1 dir="$ROOT/build-$1"
  {
    # -O1 -g1: half the compile time of -O2 -g on the coroutine-heavy test
    # files, still line numbers in sanitizer reports.
    cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=SanitizerCI \
          -DCMAKE_C_FLAGS_SANITIZERCI="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_SANITIZERCI="-O1 -g1 -DNDEBUG" \
          -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc \
          -DFLOW_SANITIZER="$san" -DFLOW_BUILD_COMPILER=OFF -DFLOW_BUILD_BENCH=OFF &&
      cmake --build "$dir" -j "$JOBS"
  } >"$BUILD/sanitizer-$san.log" 2>&1
  echo $? >"$BUILD/sanitizer-$san.status"
}

SANITIZERS=(thread address)
rm -f "$BUILD"/sanitizer-*.status
# One tree after the other (two at once would double the peak memory).
(
  renice -n 19 -p $BASHPID >/dev/null
  for san in "${SANITIZERS[@]}"; do build_sanitizer_tree "$san"; done
) &
sanitizer_builds=$!

echo "=== main build: unit, lit, fuzz smoke, bench checksums ==="
run_ctest "$BUILD"

for san in "${SANITIZERS[@]}"; do
  dir="$ROOT/build-$san"
  echo "=== runtime under ${san} sanitizer ($dir) ==="
  # Start on this tree's tests as soon as it is built (the next tree goes on
  # building, niced); wait for the whole job only if it died early.
  while [ ! -f "$BUILD/sanitizer-$san.status" ] && kill -0 "$sanitizer_builds" 2>/dev/null; do sleep 1; done
  if [ "$(cat "$BUILD/sanitizer-$san.status" 2>/dev/null)" != 0 ]; then
    tail -n 30 "$BUILD/sanitizer-$san.log" >&2
    echo "test.sh: the ${san}-sanitizer build failed (log: $BUILD/sanitizer-$san.log)" >&2
    failed=$((failed + 1)); status=1; continue
  fi
  run_ctest "$dir" -L runtime
done

echo "tests: $passed passed, $failed failed"
exit $status
