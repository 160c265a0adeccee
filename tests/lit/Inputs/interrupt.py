"""Runs a command, sends it SIGINT after a delay, and requires an exit status.

Usage (in a lit RUN line): %python interrupt.py DELAY STATUS cmd args...
DELAY is a number of milliseconds followed by `ms`. The command's standard
streams pass through. Fails (exit 1) if the status differs or the command
does not exit within 30 s of the signal.
"""
import signal
import subprocess
import sys
import time

delay = float(sys.argv[1].removesuffix("ms")) / 1000
want = int(sys.argv[2])
p = subprocess.Popen(sys.argv[3:])
time.sleep(delay)
p.send_signal(signal.SIGINT)
try:
    got = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    sys.stderr.write("interrupt: the command did not exit within 30 s of SIGINT\n")
    sys.exit(1)
if got != want:
    sys.stderr.write(f"interrupt: wanted exit status {want}, got {got}\n")
    sys.exit(1)
