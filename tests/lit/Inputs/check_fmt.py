#!/usr/bin/env python3
"""`flowc fmt` on every .flow file we have (docs/fmt.md): it is idempotent,
it never changes meaning, and the files that must be formatted are.

For each file given (directories are walked for *.flow):
  - `flowc fmt FILE` either succeeds, or fails exactly when the file has a
    syntax error (`flowc check --parse-only` fails too, with a SyntaxError-
    class diagnostic); nothing else may make it fail;
  - formatting the output again gives the same text (idempotent);
  - `flowc check --emit=ast` prints the same AST for the output as for the
    file (positions aside: a dump line ends in `@line:col`), and the same
    diagnostics (kinds and messages, positions aside);
  - with --formatted DIR (repeatable), every .flow file under DIR is
    already in the canonical layout (`flowc fmt --check` passes).
Prints `checked N files (M formatted, K with syntax errors), 0 failures` and
exits 1 on any failure, naming the file and showing a diff.
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

POSITION = re.compile(r"@(\d+:\d+|\?)")
DIAG = re.compile(r"^(?P<file>[^:\n]+):\d+:\d+: (?P<rest>(error|warning|note): .*)$")


def run(args, stdin=None):
    p = subprocess.run(args, capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout, p.stderr


def walk(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith(".flow"):
                        yield os.path.join(root, f)
        else:
            yield p


def ast_of(flowc, path):
    rc, out, err = run([flowc, "check", "--emit=ast", path])
    lines = out.splitlines()
    if lines and lines[0].startswith("Module "):
        lines = lines[1:]
    dump = [POSITION.sub("@", l) for l in lines]
    diags = []
    for l in err.splitlines():
        m = DIAG.match(l)
        if m:
            diags.append(m.group("rest"))
    return rc, dump, diags


def diff(a, b, name):
    return "".join(difflib.unified_diff(a, b, name, name + " (formatted)"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--formatted", action="append", default=[], metavar="DIR",
                    help="a directory whose files must be formatted (repeatable)")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    failures = []
    checked = formatted = syntax = 0
    for path in walk(a.paths):
        checked += 1
        rc, out1, err = run([a.flowc, "fmt", path])
        if rc != 0:
            prc, _, perr = run([a.flowc, "check", "--parse-only", path])
            if prc == 0 or "error:" not in perr:
                failures.append(f"{path}: fmt failed but the file parses:\n{err}")
            else:
                syntax += 1
            continue
        # A directory of its own per file; a test file (NAME_test.flow) is
        # checked with NAME.flow beside it, so that one comes along.
        where = os.path.join(a.workdir, str(checked))
        os.makedirs(where, exist_ok=True)
        copy = os.path.join(where, os.path.basename(path))
        with open(copy, "w") as f:
            f.write(out1)
        if path.endswith("_test.flow") and os.path.exists(path[:-len("_test.flow")] + ".flow"):
            shutil.copy(path[:-len("_test.flow")] + ".flow", where)
        rc2, out2, err2 = run([a.flowc, "fmt", copy])
        if rc2 != 0:
            failures.append(f"{path}: the formatted text does not format:\n{err2}")
            continue
        if out2 != out1:
            failures.append(f"{path}: not idempotent:\n" +
                            diff(out1.splitlines(True), out2.splitlines(True), path))
        _, ast1, diags1 = ast_of(a.flowc, path)
        _, ast2, diags2 = ast_of(a.flowc, copy)
        if ast1 != ast2:
            failures.append(f"{path}: the AST changed:\n" +
                            "\n".join(difflib.unified_diff(ast1, ast2, "before", "after", lineterm="")))
        if diags1 != diags2:
            failures.append(f"{path}: the diagnostics changed:\n" +
                            "\n".join(difflib.unified_diff(diags1, diags2, "before", "after", lineterm="")))
    for d in a.formatted:
        files = list(walk([d]))
        rc, out, err = run([a.flowc, "fmt", "--check"] + files)
        formatted += len(files)
        if rc != 0:
            for name in out.split():
                _, want, _ = run([a.flowc, "fmt", name])
                with open(name) as f:
                    have = f.read()
                failures.append(f"{name}: not formatted (run `flowc fmt -w {name}`):\n" +
                                diff(have.splitlines(True), want.splitlines(True), name))
            if not out.strip():
                failures.append(f"flowc fmt --check failed on {d}:\n{err}")
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    print(f"checked {checked} files ({formatted} formatted, {syntax} with syntax errors), "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
