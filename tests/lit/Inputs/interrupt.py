"""Interrupts a program and checks that it ends promptly.

Usage (in a lit RUN line):
    %python interrupt.py AFTER_MS WITHIN_MS STATUS cmd...

Starts cmd, sends it SIGINT after AFTER_MS milliseconds, and requires that
it exits with STATUS within WITHIN_MS milliseconds of the signal. The
program's stdout and stderr pass through. Prints what went wrong and exits
1 otherwise (also when cmd ended before the signal).
"""
import signal
import subprocess
import sys
import time


def main(argv):
    after_ms, within_ms, status = int(argv[1]), int(argv[2]), int(argv[3])
    proc = subprocess.Popen(argv[4:])
    try:
        proc.wait(timeout=after_ms / 1000)
        print(f"interrupt.py: `{argv[4]}` ended before the signal (status {proc.returncode})", file=sys.stderr)
        return 1
    except subprocess.TimeoutExpired:
        pass
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=max(within_ms / 1000, 10))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        print(f"interrupt.py: still running 10 s after SIGINT", file=sys.stderr)
        return 1
    took_ms = (time.monotonic() - sent) * 1000
    failed = False
    if code != status:
        print(f"interrupt.py: exit status {code}, expected {status}", file=sys.stderr)
        failed = True
    if took_ms > within_ms:
        print(f"interrupt.py: exited {took_ms:.0f} ms after SIGINT, expected within {within_ms} ms", file=sys.stderr)
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
