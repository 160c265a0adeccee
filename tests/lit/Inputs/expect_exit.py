"""Runs a command and succeeds only if it exits with the given status.

Usage (in a lit RUN line): %expect_exit STATUS cmd args... [2>file]
lit's `not` only says "non-zero"; docs/language.md ("The generated program",
"The compiler") fixes exact statuses (1, 2, 124, 130), so tests assert them
exactly. Standard streams pass through unchanged.
"""
import subprocess
import sys

want = int(sys.argv[1])
got = subprocess.call(sys.argv[2:])
if got != want:
    sys.stderr.write(f"expect_exit: wanted exit status {want}, got {got}: {' '.join(sys.argv[2:])}\n")
    sys.exit(1)
