"""Runs a command and succeeds only if it exits with the given status.

Usage (in a lit RUN line):
    %expect_exit STATUS [--within SECONDS] [--interrupt-after SECONDS] [--stdout PATH] cmd args... [2>file]

lit's `not` only says "non-zero"; docs/language.md ("The generated program",
"The compiler", "Exit status when items fail") fixes exact statuses (1, 2, 3,
124, 130), so tests assert them exactly. Standard streams pass through
unchanged.

--interrupt-after S sends SIGINT to the command S seconds after it started.
--within S also requires the command to end within S seconds of its start
(a bound on a cancellation, never a benchmark: keep it generous).
--stdout PATH sends the command's standard output to PATH (for devices such
as /dev/full: lit's own shell reads back what a redirection wrote when a
test fails, which never ends on /dev/full).
"""
import signal
import subprocess
import sys
import time

want = int(sys.argv[1])
args = sys.argv[2:]
within = None
interrupt_after = None
stdout = None
while args and args[0] in ("--within", "--interrupt-after", "--stdout"):
    if args[0] == "--within":
        within = float(args[1])
    elif args[0] == "--stdout":
        stdout = open(args[1], "w")
    else:
        interrupt_after = float(args[1])
    args = args[2:]

start = time.monotonic()
proc = subprocess.Popen(args, stdout=stdout)
if interrupt_after is not None:
    try:
        proc.wait(timeout=interrupt_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
got = proc.wait()
took = time.monotonic() - start
if got != want:
    sys.stderr.write(f"expect_exit: wanted exit status {want}, got {got}: {' '.join(args)}\n")
    sys.exit(1)
if within is not None and took > within:
    sys.stderr.write(f"expect_exit: took {took:.3f} s, more than {within} s: {' '.join(args)}\n")
    sys.exit(1)
