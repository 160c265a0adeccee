"""Runs the code blocks of the documentation and checks what they print.

Usage (in a lit RUN line):
    %python doc_examples.py --root SRC --examples DIR --workdir DIR [--flowc PATH] [DOC.md ...]

Keeps the user documentation truthful. Without DOC arguments it reads
README.md and every docs/**/*.md under SRC, so a new page is covered the day
it is added. In each page:

  ```flow   every block is checked, one of three ways:
            - a whole program (a top-level `pipeline NAME {` line and no `…`
              elision) must pass `flowc check`. If the block is followed by
              a paragraph ending in "prints" and then a ```text block, the
              program is also built and run, and its stdout must be exactly
              that text. A program with `test` blocks must pass `flowc
              test`. If instead the paragraph says "`flowc check
              NAME.flow`" and the block after it is ```text, the program is
              saved as NAME.flow and `flowc check NAME.flow` must print
              exactly that text on stderr (and exit with status 1 if the
              paragraph says "status 1", else 0).
            - an excerpt: its lines, in runs separated by `…` lines, appear
              in that order (each run as consecutive lines) in one of the
              programs under examples/ or in a whole program of the docs.
              Those programs are checked and run, so the excerpt is too.
            - otherwise a fragment that stands alone: `…` elisions dropped,
              declarations (`type`, `const`, `extern`, `pipeline`) as they
              are, pipeline members inside a `pipeline`, statements inside a
              source body; it must pass `flowc check`.
            A block that is none of these fails: write syntax sketches as
            ```text. Every block is also in `flowc fmt`'s layout: a whole
            program is unchanged by it; a standalone fragment keeps its
            lines (indentation relative to its first line) when formatted
            inside its wrapper; an excerpt is a run of lines of a program
            that is itself checked.
  ```console
            every line starting with `$ ` is a shell command (run by bash in
            WORKDIR, where `examples` links to the examples directory and
            `flowc` is on PATH, and $XDG_CACHE_HOME is inside WORKDIR); the
            lines up to the next `$ ` are its exact stdout. Each command must
            exit with status 0.
  any block right after an HTML comment `<!-- same-as: PATH -->` must be
            exactly the file PATH (relative to SRC): a page that shows a
            golden file cannot drift from it.

A program followed by "prints" must exit with status 0, unless the text
right after its output block starts with "and exits with status N".

With --http-server, the examples' local HTTP server (examples/http_server.py)
runs on a free 127.0.0.1 port for the whole check, and the commands and
programs see its URL in $PAGES_URL (and $FLOW_TEST_URL), as a reader who
started `python3 examples/http_server.py serve --port 8080` and exported
PAGES_URL=http://127.0.0.1:8080 would.

Other blocks (```text, ```cpp, ```sh …) are not run. Silent on success; on
failure prints every mismatch and exits 1.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import textwrap

FENCE = re.compile(r"^```(\w*)\s*$")
PIPELINE = re.compile(r"^pipeline\s+\w+\s*\{", re.M)
CHECK_PROSE = re.compile(r"`flowc check ([\w.-]+\.flow)`")
TEST_BLOCK = re.compile(r'^test\s+"', re.M)
EXIT_PROSE = re.compile(r"and exits with status (\d+)")


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


TOP_LEVEL = {"type", "const", "extern", "pipeline", "fn"}
MEMBERS = {"param", "deadline", "monitor", "channel", "input", "output", "source", "stage", "sink"}
SAME_AS = re.compile(r"<!--\s*same-as:\s*(\S+)\s*-->")
ELISION = "…"


def is_whole_program(body):
    return PIPELINE.search(body) is not None and ELISION not in body


def excerpt_runs(body):
    """The fragment's lines in runs: a line that holds `…` separates runs."""
    runs, run = [], []
    for line in body.rstrip("\n").split("\n"):
        if ELISION in line:
            runs.append(run)
            run = []
        else:
            run.append(line.rstrip())
    runs.append(run)
    out = []
    for r in runs:
        while r and not r[0].strip():
            r.pop(0)
        while r and not r[-1].strip():
            r.pop()
        if r:
            out.append(r)
    return out


def is_excerpt(runs, source_lines):
    """True if every run appears as consecutive lines of the source, in order."""
    if not runs:
        return False
    pos = 0
    for run in runs:
        n = len(run)
        at = next((i for i in range(pos, len(source_lines) - n + 1) if source_lines[i:i + n] == run), None)
        if at is None:
            return False
        pos = at + n
    return True


def standalone(body):
    """The fragment as a file flowc can check, and how it was wrapped."""
    text = "\n".join(l.replace(ELISION, "") for l in body.split("\n"))
    first = ""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("//"):
            first = re.split(r"[^\w]", stripped, 1)[0]
            break
    if first in TOP_LEVEL:
        return text, "as it is"
    if first in MEMBERS:
        return "pipeline doc_fragment {\n" + text + "\n}\n", "inside a pipeline"
    return ("pipeline doc_fragment {\n  channel doc_out: int[1]\n  source doc_source -> doc_out {\n" + text +
            "\n  }\n  sink doc_sink(x from doc_out) {}\n}\n", "inside a source body")


# Non-blank lines of the wrapper standalone() puts before and after a
# fragment, by how it was wrapped.
WRAPPER_LINES = {"as it is": (0, 0), "inside a pipeline": (1, 1), "inside a source body": (3, 3)}


def fmt_mismatch(flowc, workdir, where, body, text, how):
    """None if `flowc fmt` leaves the block's lines as they are, else a message."""
    src = os.path.join(workdir, "fmt_check.flow")
    with open(src, "w") as f:
        f.write(text)
    r = run([flowc, "fmt", src], workdir)
    if r.returncode != 0:
        return f"{where}: `flowc fmt` failed ({r.returncode}):\n{r.stderr}"
    before, after = WRAPPER_LINES[how]
    got = [l for l in r.stdout.split("\n") if l.strip()]
    got = got[before:len(got) - after]
    # Elided lines (`…`) stand for text the block leaves out: compare the
    # others, in order.
    want = [l.rstrip() for l in body.split("\n") if l.strip() and ELISION not in l]
    dedent = lambda ls: textwrap.dedent("\n".join(ls)).split("\n")
    want, got = dedent(want), dedent(got)
    it = iter(got)
    if all(any(w == g for g in it) for w in want):
        return None
    return compare(where + " (not in `flowc fmt` layout)", "\n".join(want) + "\n", "\n".join(got) + "\n")


def doc_files(root, docs):
    if docs:
        return docs
    found = [os.path.join(root, "README.md")]
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "docs")):
        dirnames.sort()
        found.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".md"))
    return [f for f in found if os.path.isfile(f)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("docs", nargs="*")
    ap.add_argument("--root", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--flowc", default="flowc")
    ap.add_argument("--http-server", action="store_true")
    args = ap.parse_args()
    if args.http_server:
        sys.path.insert(0, os.path.abspath(args.examples))
        import http_server
        import threading
        server = http_server.Server(0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        os.environ["PAGES_URL"] = os.environ["FLOW_TEST_URL"] = server.url

    os.makedirs(args.workdir, exist_ok=True)
    link = os.path.join(args.workdir, "examples")
    if not os.path.islink(link):
        os.symlink(os.path.abspath(args.examples), link)
    if os.sep in args.flowc:
        args.flowc = os.path.abspath(args.flowc)
    env_path = os.path.dirname(args.flowc) if os.sep in args.flowc else None
    if env_path:
        os.environ["PATH"] = env_path + os.pathsep + os.environ.get("PATH", "")
    # `flowc run` caches builds under $XDG_CACHE_HOME/flowc: keep it in the test's directory.
    os.environ["XDG_CACHE_HOME"] = os.path.join(os.path.abspath(args.workdir), "cache")

    pages = []
    for path in doc_files(args.root, args.docs):
        with open(path) as f:
            pages.append((os.path.relpath(path, args.root), list(blocks(f.read()))))
    # What an excerpt may come from: the examples and the docs' whole programs.
    sources = []
    for dirpath, _, filenames in os.walk(args.examples):
        for fname in sorted(filenames):
            if fname.endswith(".flow"):
                with open(os.path.join(dirpath, fname)) as f:
                    sources.append([l.rstrip() for l in f.read().split("\n")])
    for _, items in pages:
        sources.extend([l.rstrip() for l in body.split("\n")] for lang, body, _, _ in items
                       if lang == "flow" and is_whole_program(body))

    errors = []
    checked = 0
    for name, items in pages:
        for k, (lang, body, line, prose) in enumerate(items):
            where = f"{name}:{line}"
            same = SAME_AS.findall(prose)
            if same:
                checked += 1
                golden = os.path.join(args.root, same[-1])
                try:
                    with open(golden) as f:
                        err = compare(f"{where} (same-as {same[-1]})", f.read(), body)
                except OSError as e:
                    err = f"{where}: same-as {same[-1]}: {e}"
                if err:
                    errors.append(err)
            if lang == "flow" and not is_whole_program(body):
                checked += 1
                if any(is_excerpt(excerpt_runs(body), src) for src in sources):
                    continue
                text, how = standalone(body)
                src = os.path.join(args.workdir, f"fragment_{name.replace('/', '_')}_{line}.flow")
                with open(src, "w") as f:
                    f.write(text)
                r = run([args.flowc, "check", src], args.workdir)
                if r.returncode != 0:
                    errors.append(f"{where}: a `flow` block that is neither a whole program nor an excerpt of "
                                  f"examples/ or of a whole program in the docs, and `flowc check` of it ({how}) "
                                  f"failed ({r.returncode}):\n{r.stderr}")
                    continue
                err = fmt_mismatch(args.flowc, args.workdir, where, body, text, how)
                if err:
                    errors.append(err)
                continue
            if lang == "flow":
                nxt = items[k + 1] if k + 1 < len(items) else None
                diag = CHECK_PROSE.search(nxt[3]) if nxt and nxt[0] == "text" else None
                if diag:
                    # A program shown with its diagnostics: `flowc check` of it
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
                    # Formatted too, unless its mistake is a syntax error.
                    if run([args.flowc, "check", "--parse-only", diag.group(1)], args.workdir).returncode == 0:
                        err = fmt_mismatch(args.flowc, args.workdir, where, body, body, "as it is")
                        if err:
                            errors.append(err)
                    continue
                src = os.path.join(args.workdir, f"snippet_{name.replace('/', '_')}_{line}.flow")
                with open(src, "w") as f:
                    f.write(body)
                r = run([args.flowc, "check", src], args.workdir)
                checked += 1
                if r.returncode != 0:
                    errors.append(f"{where}: `flowc check` failed ({r.returncode}):\n{r.stderr}")
                    continue
                err = fmt_mismatch(args.flowc, args.workdir, where, body, body, "as it is")
                if err:
                    errors.append(err)
                if TEST_BLOCK.search(body):
                    # A program with tests: they pass.
                    r = run([args.flowc, "test", src], args.workdir)
                    if r.returncode != 0:
                        errors.append(f"{where}: `flowc test` failed ({r.returncode}):\n{r.stdout}{r.stderr}")
                if nxt and nxt[0] == "text" and nxt[3].strip().endswith("prints"):
                    exe = src[:-len(".flow")]
                    r = run([args.flowc, "build", src, "-o", exe], args.workdir)
                    if r.returncode != 0:
                        errors.append(f"{where}: `flowc build` failed ({r.returncode}):\n{r.stderr}")
                        continue
                    r = run([exe], args.workdir)
                    after = items[k + 2][3].strip() if k + 2 < len(items) else ""
                    status = EXIT_PROSE.match(after)
                    want_status = int(status.group(1)) if status else 0
                    if r.returncode != want_status:
                        errors.append(f"{where}: the program exited with {r.returncode}, not {want_status}:\n"
                                      f"{r.stderr}")
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
        errors.append("no code block found in " + ", ".join(name for name, _ in pages))
    for e in errors:
        sys.stderr.write(f"doc_examples: {e}\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
