#!/usr/bin/env bash
# bench/build_time/measure.sh — how long `flowc build` takes for a .flow file,
# and how that splits between flowc itself (front end + emit) and the C++
# compiler (compile + link against the prebuilt runtime library).
#
#   bench/build_time/measure.sh [FLOWC] [FILE.flow] [RUNS]
#
# Defaults: the flowc of build/ (or $FLOWC), examples/worker_pool.flow, 5 runs.
# The first, untimed build warms the caches (the precompiled <flow/flow.h> in
# $XDG_CACHE_HOME/flowc/pch, the page cache); each timed run is a full build
# (`flowc run` would hit its own cache, so `flowc build` is measured). Prints
# the median of each figure, in milliseconds, plus the same with --no-pch.
# The machine should be idle: two cores shared with a compile make wall times
# meaningless (the user+sys CPU time of the whole build is printed too).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
flowc="${1:-${FLOWC:-}}"
if [[ -z "$flowc" ]]; then
  for candidate in "$root/build/compiler/driver/flowc" "$root/build-emit/compiler/driver/flowc"; do
    [[ -x "$candidate" ]] && { flowc="$candidate"; break; }
  done
fi
[[ -x "$flowc" ]] || { echo "measure.sh: no flowc found; pass its path" >&2; exit 2; }
file="${2:-$root/examples/worker_pool.flow}"
runs="${3:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# One build; appends "wall flowc cxx cpu" (ms) to $work/$1.
measure_once() {
  local label="$1"; shift
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/cpu" "$flowc" build "$file" -o "$work/prog" --time-phases "$@" 2> "$work/phases"
  end=$(date +%s%N)
  local wall=$(( (end - start) / 1000000 ))
  local fe emit cxx cpu
  fe=$(awk -F': ' '/time: front end/ {print $4+0}' "$work/phases")
  emit=$(awk -F': ' '/time: emit/ {print $4+0}' "$work/phases")
  cxx=$(awk -F': ' '/time: c\+\+ compile/ {print $4+0}' "$work/phases")
  cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$work/cpu")
  echo "$wall $(awk -v a="$fe" -v b="$emit" 'BEGIN {printf "%.1f", a + b}') $cxx $cpu" >> "$work/$label"
}

report() {
  local label="$1"
  printf '%-8s wall %6s ms   flowc (front end + emit) %6s ms   c++ compiler %6s ms   cpu (user+sys, all processes) %6s ms\n' \
    "$label" \
    "$(cut -d' ' -f1 "$work/$label" | median)" "$(cut -d' ' -f2 "$work/$label" | median)" \
    "$(cut -d' ' -f3 "$work/$label" | median)" "$(cut -d' ' -f4 "$work/$label" | median)"
}

echo "flowc: $flowc"
echo "file:  $file ($runs runs each, medians)"
echo "cxx:   $("$flowc" build "$file" -o "$work/prog" --verbose 2>&1 | awk '/running:/ {print $3; exit}')"
for _ in 1 2; do "$flowc" build "$file" -o "$work/prog" > /dev/null 2>&1; done  # warm up (builds the PCH)
for _ in $(seq "$runs"); do measure_once pch; done
for _ in $(seq "$runs"); do measure_once no-pch --no-pch; done
report pch
report no-pch
