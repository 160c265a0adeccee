#!/usr/bin/env bash
# scripts/setup.sh — README command 1: install every dependency from Debian's
# archive, build Flow, compile examples/worker_pool.flow and run it.
#
# Idempotent: packages already installed are not reinstalled, and the build is
# incremental. Works as root on a fresh Debian 12 machine where only the Debian
# archive is reachable (uses sudo when not root).
#
#   scripts/setup.sh            deps + build + demo
#   scripts/setup.sh --no-demo  deps + build (what the test command needs)
#
# Environment: FLOW_BUILD_DIR (default: <repo>/build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${FLOW_BUILD_DIR:-$ROOT/build}
DEMO=1
for arg in "$@"; do
  case "$arg" in
    --no-demo) DEMO=0 ;;
    *) echo "setup.sh: unknown argument '$arg' (use --no-demo)" >&2; exit 2 ;;
  esac
done

# Every package the build, the tests and the benchmarks use. Keep in step with
# README.md ("What gets installed").
PACKAGES=(
  # toolchain and build
  g++ gcc make cmake ninja-build git python3 time
  clang clang-14 libclang-rt-14-dev clang-format
  # ANTLR4: the tool (needs Java) and the C++ runtime
  antlr4 default-jre-headless libantlr4-runtime-dev
  # ANTLR's static runtime links libuuid
  uuid-dev
  # LLVM 14: Support library for flowc (its CMake package needs zlib's), lit +
  # FileCheck for the tests
  llvm-14-dev llvm-14-tools zlib1g-dev
  # runtime: flow::Map is a tsl::robin_map; from_json decodes with simdjson
  robin-map-dev libsimdjson-dev
  # the runtime's HTTP client (http_get, http_post): libcurl, OpenSSL flavour
  libcurl4-openssl-dev
  # --metrics: cpp-httplib (the runtime loads it only when a program asks)
  libcpp-httplib-dev
  # tests and benchmarks (promtool checks --metrics output, dot checks
  # `flowc graph`)
  catch2 libbenchmark-dev libtbb-dev golang-go prometheus graphviz
  # editor support: Neovim is the real LSP client of the `flowc lsp` tests;
  # Node.js runs the VS Code extension's npm tools (grammar tests, packaging)
  neovim nodejs
  # the .deb: cpack finds its shared-library dependencies with dpkg-shlibdeps
  dpkg-dev
)
# npm comes with Node.js from some sources (NodeSource's `nodejs` includes it
# and conflicts with Debian's `npm`): install Debian's only when it is missing.
NPM_PACKAGE=npm

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
      missing+=("$p")
    fi
  done
  if ! command -v npm >/dev/null; then missing+=("$NPM_PACKAGE"); fi
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#PACKAGES[@]} packages present"
    return
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  # flowc must be built with g++: the ANTLR 4.9 runtime headers do not compile
  # with clang++ 14. Generated programs are compiled with clang++ (see flowc).
  # FLOW_BUILD_FUZZER=ON only registers the 30 s fuzz smoke test, which builds
  # its own clang tree (build-fuzz/) when the test suite runs.
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc \
        -DFLOW_BUILD_BENCH=ON -DFLOW_BUILD_FUZZER=ON >/dev/null
  cmake --build "$BUILD" -j "$(nproc)"
}

demo() {
  local out="$BUILD/examples/worker_pool"
  mkdir -p "$(dirname "$out")"
  "$BUILD/compiler/driver/flowc" build "$ROOT/examples/worker_pool.flow" -o "$out"
  echo "setup: running $out"
  "$out"
}

install_packages
build
if [ "$DEMO" -eq 1 ]; then demo; fi
