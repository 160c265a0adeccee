"""Runs a command on a pseudo-terminal, as a person would see it, and
reports how its `--progress` status line behaved.

Usage (in a lit RUN line):
    %python pty_run.py COLUMNS cmd args...

stdout and stderr both go to a pty COLUMNS wide. Everything the command
writes is collected; then this prints (for FileCheck):
    status: the first status line drawn (its text)
    draws: N                 how many times the status line was updated (not
                             counting its redraws after a printed line)
    rate: ok | too fast      at most 10 updates a second over the run (+1)
    width: ok | too wide     every status line shorter than COLUMNS
    erased: yes | no         the last status line was erased at exit
    lines: the lines the command printed, status lines taken out, in order
    exit: STATUS
The status line is drawn as "\\r\\x1b[K" + text; a printed line erases it
("\\r\\x1b[K"), is written with "\\n", and the status is drawn again.
"""
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time

ERASE = "\r\x1b[K"


def main():
    cols, cmd = int(sys.argv[1]), sys.argv[2:]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    # Raw mode: no "\n" -> "\r\n" translation, so the transcript is the bytes written.
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    start = time.time()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the pty
            break
        if not chunk:
            break
        data += chunk
    status = p.wait()
    elapsed = time.time() - start
    text = data.decode("utf-8", "replace")
    # Segments between erasures: a status draw is a segment with no newline
    # that is not the empty tail after the final erase.
    segments = text.split(ERASE)
    draws, redraws, lines = [], [], []
    after_line = False  # the previous segment printed a line: this one redraws
    for i, seg in enumerate(segments):
        if i == 0:
            lines += [l for l in seg.split("\n") if l]
            after_line = seg.endswith("\n")
            continue
        if "\n" in seg:
            body, _, rest = seg.rpartition("\n")
            lines += body.split("\n")
            if rest:
                redraws.append(rest)
            after_line = not rest
        elif seg:
            (redraws if after_line else draws).append(seg)
            after_line = False
    print("status:", draws[0] if draws else "(none)")
    print("draws:", len(draws))
    print("rate:", "ok" if len(draws) <= 10 * elapsed + 1 else f"too fast ({len(draws)} in {elapsed:.2f}s)")
    print("width:", "ok" if all(len(d) < cols for d in draws + redraws) else "too wide")
    print("erased:", "yes" if text.endswith(ERASE) or re.search(re.escape(ERASE) + r"[^\r]*\n$", text) and
          not segments[-1].rpartition("\n")[2] else "no")
    for l in lines:
        print("line:", l)
    print("exit:", status)


if __name__ == "__main__":
    sys.exit(main())
