"""Fails if a tracked file cites a document that is not in the repository.

Usage: python3 check_self_contained.py REPO_ROOT

A user who clones the repository has only what is in it: the language
reference is docs/language.md, cited by section heading (`docs/language.md,
"Stage bodies"`). So no file may point outside the repository (into a
sibling `shared` directory), name the specification or style guide the
project was once built from, or cite numbered sections with a section sign. Prints every offending
`path:line: text` and exits 1; exits 0 when there is none.

Checks the files git tracks (so build trees and untracked scratch files are
ignored); without git, every file under REPO_ROOT but the build trees.
"""
import os
import pathlib
import re
import subprocess
import sys

# Spelled in pieces so that this file does not match itself.
FORBIDDEN = [
    ("a path outside the repository", re.compile(re.escape("../" + "shared"))),
    ("the outside specification", re.compile(re.escape("LANGUAGE" + ".md"))),
    ("the outside style guide", re.compile(re.escape("STYLE" + ".md"))),
    ("a numbered section (cite docs/language.md by heading)", re.compile("\u00a7")),
]
SKIP_DIRS = {".git", "build", "build-thread", "build-address", "build-fuzz"}


def tracked_files(root: pathlib.Path):
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                             capture_output=True).stdout
        return [root / p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith("build")]
            files.extend(pathlib.Path(dirpath) / f for f in filenames)
        return files


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1]).resolve()
    bad = 0
    checked = 0
    for path in tracked_files(root):
        try:
            data = path.read_bytes()
        except OSError:
            continue  # a tracked file deleted in the work tree
        if b"\0" in data[:8192]:
            continue  # binary
        checked += 1
        for n, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            for what, pattern in FORBIDDEN:
                if pattern.search(line):
                    print(f"{path.relative_to(root)}:{n}: {what}: {line.strip()}")
                    bad += 1
    if checked == 0:
        print("check_self_contained: no files found under " + str(root), file=sys.stderr)
        return 1
    if bad:
        print(f"{bad} line(s) refer to documents outside the repository; cite docs/language.md "
              "by section heading instead", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
