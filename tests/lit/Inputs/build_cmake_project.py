"""Configures, builds and runs a CMake project against this Flow build tree.

Usage (in a lit RUN line):
    %python build_cmake_project.py --flowc %flowc --source DIR --build DIR \
        --target NAME [--cxx COMPILER] [-- PROGRAM ARGS...]

The Flow package is the build tree that holds %flowc: the nearest directory
above flowc that has a FlowConfig.cmake, passed as -DFlow_DIR. The project is
configured with Ninja and built with at most two jobs, with the C++ compiler
`flowc build` would use (clang++ if it is on PATH, else $CXX, else CMake's
default) unless --cxx names one. Configure and build
output goes to stderr only on failure (exit status 1). Then the built
program runs with the given arguments, its stdout and stderr pass through,
and its exit status is returned.
"""
import argparse
import os
import shutil
import subprocess
import sys


def find_flow_dir(flowc):
    d = os.path.dirname(os.path.abspath(flowc))
    while True:
        if os.path.isfile(os.path.join(d, "FlowConfig.cmake")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def step(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(f"build_cmake_project: `{' '.join(cmd)}` failed with {r.returncode}:\n")
        sys.stderr.write(r.stdout + r.stderr)
        sys.exit(1)


def main():
    argv = sys.argv[1:]
    program_args = []
    if "--" in argv:
        i = argv.index("--")
        argv, program_args = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--cxx", default=shutil.which("clang++") or os.environ.get("CXX"))
    args = ap.parse_args(argv)

    flow_dir = find_flow_dir(args.flowc)
    if not flow_dir:
        sys.stderr.write(f"build_cmake_project: no FlowConfig.cmake in any directory above {args.flowc}\n")
        return 1
    shutil.rmtree(args.build, ignore_errors=True)
    step(["cmake", "-S", args.source, "-B", args.build, "-G", "Ninja", f"-DFlow_DIR={flow_dir}",
          "-DCMAKE_BUILD_TYPE=Release"] + ([f"-DCMAKE_CXX_COMPILER={args.cxx}"] if args.cxx else []))
    step(["cmake", "--build", args.build, "--target", args.target, "-j", "2"])
    sys.stdout.flush()
    return subprocess.call([os.path.join(args.build, args.target)] + program_args)


if __name__ == "__main__":
    sys.exit(main())
