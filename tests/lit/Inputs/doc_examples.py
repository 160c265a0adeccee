"""Runs the examples in a Markdown document and checks what they print.

Usage (in a lit RUN line):
    %python doc_examples.py DOC.md --examples DIR --workdir DIR [--flowc PATH]

Keeps the user documentation truthful. Two kinds of fenced blocks are run:

  ```flow   a complete program (it has a top-level `pipeline NAME {` line and
            no `…` elision) must pass `flowc check`. If the block is followed
            by a paragraph ending in "prints" and then a ```text block, the
            program is also built and run, and its stdout must be exactly
            that text. If instead the paragraph says "`flowc check NAME.flow`"
            and the block after it is ```text, the program is saved as
            NAME.flow and `flowc check NAME.flow` must print exactly that text
            on stderr (and exit with status 1 if the paragraph says
            "status 1", else 0).
  ```console
            every line starting with `$ ` is a shell command (run by bash in
            WORKDIR, where `examples` links to the examples directory and
            `flowc` is on PATH, and $XDG_CACHE_HOME is inside WORKDIR); the lines up to the next `$ ` are its exact
            stdout. Each command must exit with status 0.

Other blocks (```text, ```cpp, ```sh …) are not run. Silent on success; on
failure prints every mismatch and exits 1.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys

FENCE = re.compile(r"^```(\w*)\s*$")
PIPELINE = re.compile(r"^pipeline\s+\w+\s*\{", re.M)
CHECK_PROSE = re.compile(r"`flowc check ([\w.-]+\.flow)`")


def blocks(text):
    """Yields (language, body, line number, text before the block)."""
    lines = text.split("\n")
    i, prose_start = 0, 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        yield m.group(1), "\n".join(lines[start + 1:j]) + "\n", start + 1, "\n".join(lines[prose_start:start])
        i = j + 1
        prose_start = i


def run(cmd, cwd, stdin=None):
    return subprocess.run(cmd, cwd=cwd, shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None,
                          input=stdin, capture_output=True, text=True, timeout=300)


def compare(where, want, got):
    if want == got:
        return None
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "documented", "actual"))
    return f"{where}: output differs:\n{diff}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doc")
    ap.add_argument("--examples", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--flowc", default="flowc")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    link = os.path.join(args.workdir, "examples")
    if not os.path.islink(link):
        os.symlink(os.path.abspath(args.examples), link)
    env_path = os.path.dirname(os.path.abspath(args.flowc)) if os.sep in args.flowc else None
    if env_path:
        os.environ["PATH"] = env_path + os.pathsep + os.environ.get("PATH", "")
    # `flowc run` caches builds under $XDG_CACHE_HOME/flowc: keep it in the test's directory.
    os.environ["XDG_CACHE_HOME"] = os.path.join(os.path.abspath(args.workdir), "cache")

    with open(args.doc) as f:
        text = f.read()
    name = os.path.basename(args.doc)
    errors = []
    items = list(blocks(text))
    checked = 0
    for k, (lang, body, line, prose) in enumerate(items):
        where = f"{name}:{line}"
        if lang == "flow" and PIPELINE.search(body) and "…" not in body:
            nxt = items[k + 1] if k + 1 < len(items) else None
            diag = CHECK_PROSE.search(nxt[3]) if nxt and nxt[0] == "text" else None
            if diag:
                # A program shown with its diagnostics: `flowc check NAME.flow`
                # must print exactly that text on stderr.
                with open(os.path.join(args.workdir, diag.group(1)), "w") as f:
                    f.write(body)
                r = run([args.flowc, "check", diag.group(1)], args.workdir)
                checked += 1
                want_status = 1 if "status 1" in nxt[3] else 0
                if r.returncode != want_status:
                    errors.append(f"{where}: `flowc check` exited with {r.returncode}, not {want_status}")
                err = compare(where, nxt[1], r.stderr)
                if err:
                    errors.append(err)
                continue
            src = os.path.join(args.workdir, f"snippet_{line}.flow")
            with open(src, "w") as f:
                f.write(body)
            r = run([args.flowc, "check", src], args.workdir)
            checked += 1
            if r.returncode != 0:
                errors.append(f"{where}: `flowc check` failed ({r.returncode}):\n{r.stderr}")
                continue
            if nxt and nxt[0] == "text" and nxt[3].strip().endswith("prints"):
                exe = os.path.join(args.workdir, f"snippet_{line}")
                r = run([args.flowc, "build", src, "-o", exe], args.workdir)
                if r.returncode != 0:
                    errors.append(f"{where}: `flowc build` failed ({r.returncode}):\n{r.stderr}")
                    continue
                r = run([exe], args.workdir)
                if r.returncode != 0:
                    errors.append(f"{where}: the program exited with {r.returncode}:\n{r.stderr}")
                err = compare(where, nxt[1], r.stdout)
                if err:
                    errors.append(err)
        elif lang == "console":
            cmds = []
            for i, l in enumerate(body.rstrip("\n").split("\n")):
                if l.startswith("$ "):
                    cmds.append([line + 1 + i, l[2:], ""])
                elif cmds:
                    cmds[-1][2] += l + "\n"
            for cline, cmd, want in cmds:
                r = run(cmd, args.workdir)
                checked += 1
                if r.returncode != 0:
                    errors.append(f"{name}:{cline}: `{cmd}` exited with {r.returncode}:\n{r.stderr}")
                    continue
                err = compare(f"{name}:{cline}: `{cmd}`", want, r.stdout)
                if err:
                    errors.append(err)
    if checked == 0:
        errors.append(f"{name}: no runnable example found")
    for e in errors:
        sys.stderr.write(f"doc_examples: {e}\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
