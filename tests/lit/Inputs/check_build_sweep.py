#!/usr/bin/env python3
"""Every program `flowc check` accepts must build: walks the lit inputs that
are whole programs (run/, emit/, sema/ok_*, parse/) and examples/, runs
`flowc check` on each, and for each accepted one `flowc build --Werror-cxx`.
A build that fails after a clean check is a compiler bug (the C++ the
compiler emitted does not compile), so "check accepts, build fails" cannot
come back quietly. Files check rejects are the failure tests; they are
skipped, except under run/ and examples/, where every file must check.

usage: check_build_sweep.py --flowc FLOWC --lit-root DIR --examples DIR --workdir DIR
"""
import argparse
import glob
import os
import subprocess
import sys


def build_commands(path, out):
    """The extra arguments of each build: those of the file's own
    `// RUN: %flowc build %s …` lines that make an executable (extern C++
    sources, --pipeline), else none; None for a file that declares extern
    functions and has no such line (nothing to link them with)."""
    text = open(path, encoding="utf-8").read()
    here = os.path.dirname(path)
    commands = []
    for line in text.splitlines():
        line = line.strip()
        prefix = "// RUN: %flowc build %s"
        if not line.startswith(prefix) or "--emit-cpp-only" in line or "|" in line:
            continue
        words = line[len(prefix):].replace("%S", here).split()
        extra, i = [], 0
        while i < len(words):
            if words[i] == "-o":
                i += 2
                continue
            if words[i] not in ("--Werror-cxx",):
                extra.append(words[i])
            i += 1
        commands.append(extra + ["-o", f"{out}.{len(commands)}"])
    if commands:
        return commands
    if any(l.lstrip().startswith("extern ") for l in text.splitlines()):
        return None
    return [["-o", out]]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--lit-root", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    must_check = sorted(glob.glob(os.path.join(args.lit_root, "run", "*.flow")) +
                        glob.glob(os.path.join(args.examples, "*.flow")))
    may_check = sorted(glob.glob(os.path.join(args.lit_root, "emit", "*.flow")) +
                       glob.glob(os.path.join(args.lit_root, "sema", "ok_*.flow")) +
                       glob.glob(os.path.join(args.lit_root, "parse", "*.flow")))
    failures = []
    built = 0
    skipped = 0
    for path in must_check + may_check:
        check = subprocess.run([args.flowc, "check", path], capture_output=True, text=True)
        if check.returncode != 0:
            if path in must_check:
                failures.append(f"{path}: flowc check failed:\n{check.stderr}")
            continue
        commands = build_commands(path, os.path.join(args.workdir, os.path.basename(path)))
        if commands is None:
            skipped += 1
            continue
        for extra in commands:
            build = subprocess.run([args.flowc, "build", path, "--Werror-cxx"] + extra,
                                   capture_output=True, text=True)
            built += 1
            if build.returncode != 0:
                failures.append(f"{path}: flowc check accepts it but flowc build --Werror-cxx "
                                f"{' '.join(extra)} fails:\n{build.stderr[-4000:]}")
    for f in failures:
        print(f, file=sys.stderr)
    print(f"built {built} programs, {len(failures)} failures ({skipped} skipped: extern code without a build line)")
    return 1 if failures or built == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
