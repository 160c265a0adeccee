#!/usr/bin/env bash
# bench/frontend/check_time.sh [FLOWC] — times `flowc check` (parse + sema) on
# generated programs of 2,000, 5,000 and 20,000 lines (gen_large.py) and prints,
# per size, the best of 5 runs: wall time, user+sys CPU time and peak memory.
# The goal is under 1 s for 20,000 lines on the 2-core build machine. CPU time
# is printed too because wall time is meaningless while other jobs load the
# machine. Not a test: it only reports.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
flowc=${1:-$here/../../build/compiler/driver/flowc}
if [[ ! -x $flowc ]]; then
  echo "flowc not found at $flowc; pass its path as the first argument" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%8s %8s %10s %10s %10s\n' lines stages wall_s cpu_s peak_MB
for lines in 2000 5000 20000; do
  file=$work/large_$lines.flow
  python3 "$here/gen_large.py" "$lines" -o "$file"
  stages=$(grep -c '^  stage ' "$file" || true)
  best_wall=999 best_cpu=999 peak=0
  for _ in 1 2 3 4 5; do
    # %e wall, %U user, %S system, %M peak resident KB
    /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$flowc" check "$file" >/dev/null 2>&1 || true
    read -r wall user sys rss <"$work/time"
    cpu=$(echo "$user + $sys" | bc)
    best_wall=$(echo "if ($wall < $best_wall) $wall else $best_wall" | bc)
    best_cpu=$(echo "if ($cpu < $best_cpu) $cpu else $best_cpu" | bc)
    peak=$((rss / 1024))
  done
  printf '%8s %8s %10.2f %10.2f %10s\n' "$(wc -l <"$file")" "$stages" "$best_wall" "$best_cpu" "$peak"
done
