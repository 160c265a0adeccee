#!/usr/bin/env bash
# scripts/package-deb.sh — builds the Flow .deb: `cpack -G DEB` over the
# install rules of the build tree (cmake/FlowDebian.cmake says what goes in
# and what it depends on). Builds first (scripts/setup.sh --no-demo) unless
# --no-build is given. Prints the package's path.
#
#   scripts/package-deb.sh [--no-build] [OUT_DIR]    default OUT_DIR: build/package
#
# Install it with `sudo apt-get install ./flow_VERSION_ARCH.deb` (apt fetches
# the C++ compiler it depends on); scripts/check-fresh-machine.sh --deb FILE
# proves that on a new minimal Debian 12 root.
# Environment: FLOW_BUILD_DIR (default: <repo>/build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${FLOW_BUILD_DIR:-$ROOT/build}
BUILD_FIRST=1
OUT=""
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD_FIRST=0 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "package-deb: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
    *) OUT=$arg ;;
  esac
done
OUT=${OUT:-$BUILD/package}

if [ "$BUILD_FIRST" -eq 1 ]; then
  FLOW_BUILD_DIR="$BUILD" "$ROOT/scripts/setup.sh" --no-demo
fi
mkdir -p "$OUT"
if ! cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$OUT" >"$OUT/cpack.log" 2>&1; then
  cat "$OUT/cpack.log" >&2
  exit 1
fi
rm -rf "$OUT/_CPack_Packages" "$OUT/cpack.log"
ls "$OUT"/flow_*.deb
