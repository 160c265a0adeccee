"""Runs a generated program with --metrics and checks what it serves.

Usage (in a lit RUN line):
    %python scrape_metrics.py OUTDIR PROGRAM [ARGS...]
    %python scrape_metrics.py --port-in-use PROGRAM [ARGS...]

The second form holds a listening socket on 127.0.0.1, runs PROGRAM with
--metrics on that port, requires exit status 2, and prints the program's
stderr with the port number replaced by PORT.

Starts PROGRAM ARGS --metrics=127.0.0.1:0 --stats-json=OUTDIR/stats.json
(port 0: the program binds a free port on the loopback address and says
which on stderr), then:
  1. scrapes http://127.0.0.1:PORT/metrics at once, while the run goes on,
     into OUTDIR/early.txt;
  2. scrapes again every 20 ms until every stage has finished the items it
     will ever take (its in_total equals its completed+failed, and the
     channels are drained) — the test programs hold the run open with a
     sleeping source once their work is done — into OUTDIR/final.txt;
  3. waits for the exit (status 0 required), and compares every counter and
     gauge of final.txt with the program's --stats-json: each stage's in,
     out, failed, retried, timed_out and workers, each channel's capacity,
     sent, received, dropped and max_len; and checks that each latency
     histogram's buckets are cumulative and its count is at most `in`.
`promtool check metrics` runs on the scrapes separately (a RUN line), so a
failure there names the file.
Silent on success; on failure prints every mismatch and exits 1.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

LINE = re.compile(r'^([a-z_]+)\{([^}]*)\} (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset(labels)): value} for every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            raise ValueError(f"unparsable sample line: {line!r}")
        labels = frozenset(LABEL.findall(m.group(2)))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def get(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        ctype = r.headers.get("Content-Type", "")
        if not ctype.startswith("text/plain"):
            raise ValueError(f"Content-Type is {ctype!r}, not text/plain")
        return r.read().decode()


def settled(samples, pipeline):
    stages = {dict(ls)["stage"] for (n, ls) in samples if n == "flow_stage_in_total"}
    for s in stages:
        kind_in = get(samples, "flow_stage_in_total", pipeline=pipeline, stage=s)
        done = get(samples, "flow_stage_completed_total", pipeline=pipeline, stage=s) + \
            get(samples, "flow_stage_failed_total", pipeline=pipeline, stage=s)
        if kind_in != done:
            return False
    for (n, ls), v in samples.items():
        if n == "flow_channel_length" and v != 0:
            return False
    # Something must have happened at all (not the scrape before the start).
    return any(v > 0 for (n, ls), v in samples.items() if n == "flow_channel_received_total")


def port_in_use(prog, args):
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        r = subprocess.run([prog, *args, f"--metrics=127.0.0.1:{port}"], capture_output=True, text=True, timeout=60)
    sys.stdout.write(r.stderr.replace(str(port), "PORT"))
    if r.returncode != 2:
        sys.stderr.write(f"scrape_metrics: wanted exit status 2, got {r.returncode}\n")
        return 1
    return 0


def main():
    if sys.argv[1] == "--port-in-use":
        return port_in_use(sys.argv[2], sys.argv[3:])
    outdir, prog, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(outdir, exist_ok=True)
    stats_path = os.path.join(outdir, "stats.json")
    p = subprocess.Popen([prog, *args, "--metrics=127.0.0.1:0", f"--stats-json={stats_path}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors = []
    first = p.stderr.readline()
    m = re.search(r": metrics at http://127\.0\.0\.1:(\d+)/metrics$", first.rstrip("\n"))
    if not m:
        p.kill()
        sys.stderr.write(f"scrape_metrics: first stderr line does not announce the port: {first!r}\n")
        return 1
    port = int(m.group(1))
    early = scrape(port)
    with open(os.path.join(outdir, "early.txt"), "w") as f:
        f.write(early)
    final = None
    deadline = time.time() + 30
    while time.time() < deadline and p.poll() is None:
        text = scrape(port)
        if settled(parse(text), pipeline_name(text)):
            final = text
            break
        time.sleep(0.02)
    rest = p.stderr.read()
    status = p.wait(timeout=60)
    if status != 0:
        errors.append(f"the program exited with {status}: {rest}")
    if final is None:
        errors.append("never saw the run settle while the program was still serving")
    else:
        with open(os.path.join(outdir, "final.txt"), "w") as f:
            f.write(final)
        errors += compare(parse(final), pipeline_name(final), stats_path)
    for e in errors:
        sys.stderr.write(f"scrape_metrics: {e}\n")
    return 1 if errors else 0


def pipeline_name(text):
    m = re.search(r'pipeline="([^"]*)"', text)
    return m.group(1) if m else ""


def compare(samples, pipeline, stats_path):
    errors = []
    with open(stats_path) as f:
        stats = json.load(f)
    for s in stats["stages"]:
        for key, metric in (("in", "flow_stage_in_total"), ("out", "flow_stage_out_total"),
                            ("failed", "flow_stage_failed_total"), ("retried", "flow_stage_retried_total"),
                            ("timed_out", "flow_stage_timed_out_total"), ("workers", "flow_stage_workers")):
            got = get(samples, metric, pipeline=pipeline, stage=s["name"])
            if got != s[key]:
                errors.append(f"{metric}{{stage={s['name']}}} is {got}, --stats-json says {key}={s[key]}")
        bounds = sorted((float(dict(ls)["le"]), v) for (n, ls), v in samples.items()
                        if n == "flow_stage_latency_seconds_bucket" and dict(ls)["stage"] == s["name"])
        counts = [v for _, v in bounds]
        if counts != sorted(counts):
            errors.append(f"latency buckets of {s['name']} are not cumulative: {counts}")
        count = get(samples, "flow_stage_latency_seconds_count", pipeline=pipeline, stage=s["name"])
        if not bounds or bounds[-1][0] != float("inf") or bounds[-1][1] != count:
            errors.append(f"latency histogram of {s['name']}: the +Inf bucket is not the count {count}")
        if s["in"] > 0 and count > s["in"]:
            errors.append(f"latency count of {s['name']} ({count}) exceeds its items ({s['in']})")
    for c in stats["channels"]:
        for key, metric in (("capacity", "flow_channel_capacity"), ("sent", "flow_channel_sent_total"),
                            ("received", "flow_channel_received_total"), ("dropped", "flow_channel_dropped_total"),
                            ("max_len", "flow_channel_max_length")):
            got = get(samples, metric, pipeline=pipeline, channel=c["name"])
            if got != c[key]:
                errors.append(f"{metric}{{channel={c['name']}}} is {got}, --stats-json says {key}={c[key]}")
    return errors


if __name__ == "__main__":
    sys.exit(main())
