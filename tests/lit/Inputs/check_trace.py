"""Checks a --trace file against the same run's --stats-json.

Usage (in a lit RUN line):
    %python check_trace.py TRACE.json STATS.json [--sample N]

The trace must be a Chrome trace-event JSON object ({"traceEvents": [...]})
whose events are metadata ("M"), complete ("X"), instant ("i") or counter
("C") events with the fields those kinds need. Then, against the stats:
  - one named thread track per worker;
  - per stage, spans with outcome timed_out == its timed_out, spans that
    failed or timed out == its failed (at most, with --sample N > 1),
    `retry` instants == its retried, `timeout` instants >= its timed_out;
  - per channel, `drop` instants naming it == its dropped, and its counter
    track never outside [0, capacity];
  - with --sample 1 (the default) and exit_code 0: spans == in for every
    stage (a source: one span per worker); with --sample N: at most
    in / N + workers spans, and at least one per worker that ran anything;
  - with any other exit code: spans <= in, and every span that did not
    finish has outcome cancelled or is counted above.
Prints one summary line per stage and per channel (for FileCheck); exits 1
with every mismatch on stderr.
"""
import json
import sys
from collections import Counter, defaultdict


def main():
    args = sys.argv[1:]
    sample = 1
    if "--sample" in args:
        i = args.index("--sample")
        sample = int(args[i + 1])
        del args[i:i + 2]
    trace_path, stats_path = args
    with open(trace_path) as f:
        trace = json.load(f)
    with open(stats_path) as f:
        stats = json.load(f)
    errors = []
    events = trace.get("traceEvents")
    if not isinstance(events, list):
        print("check_trace: no traceEvents list", file=sys.stderr)
        return 1
    need = {"M": ("name", "pid", "tid", "args"), "X": ("name", "ts", "dur", "pid", "tid", "args"),
            "i": ("name", "ts", "pid", "tid", "s", "args"), "C": ("name", "ts", "pid", "args")}
    threads = {}
    spans = defaultdict(Counter)
    instants = defaultdict(Counter)
    drops = Counter()
    counters = defaultdict(list)
    for e in events:
        ph = e.get("ph")
        if ph not in need or any(k not in e for k in need[ph]):
            errors.append(f"malformed event: {e}")
            continue
        if ph == "M" and e["name"] == "thread_name":
            threads[e["tid"]] = e["args"]["name"]
        elif ph == "X":
            if e["dur"] < 0 or e["ts"] < 0:
                errors.append(f"negative time: {e}")
            spans[e["name"]][e["args"]["outcome"]] += 1
        elif ph == "i":
            if e["name"] == "drop":
                drops[e["args"]["channel"]] += 1
            else:
                instants[e["args"]["stage"]][e["name"]] += 1
        elif ph == "C":
            counters[e["name"]].append(e["args"]["len"])
    workers = sum(s["workers"] for s in stats["stages"])
    if len(threads) != workers:
        errors.append(f"{len(threads)} worker tracks, but the stages ran {workers} workers")
    clean = stats["exit_code"] == 0
    for s in stats["stages"]:
        name, got = s["name"], spans[s["name"]]
        total = sum(got.values())
        source = s["in"] == 0 and total > 0  # a source's body is one span per worker
        print(f"stage {name}: spans {total} ok {got['ok']} failed {got['failed']} timed_out {got['timed_out']} "
              f"cancelled {got['cancelled']} retries {instants[name]['retry']} timeouts {instants[name]['timeout']}")
        # Sampled: the spans are a subset, so their outcomes are bounded, not equal.
        same = (lambda a, b: a == b) if sample == 1 else (lambda a, b: a <= b)
        if not same(got["timed_out"], s["timed_out"]):
            errors.append(f"stage {name}: {got['timed_out']} timed-out spans, stats say timed_out={s['timed_out']}")
        if not same(got["failed"] + got["timed_out"], s["failed"]):
            errors.append(f"stage {name}: {got['failed'] + got['timed_out']} failed spans, stats say failed={s['failed']}")
        if instants[name]["retry"] != s["retried"]:
            errors.append(f"stage {name}: {instants[name]['retry']} retry instants, stats say retried={s['retried']}")
        if instants[name]["timeout"] < s["timed_out"]:
            errors.append(f"stage {name}: {instants[name]['timeout']} timeout instants < timed_out={s['timed_out']}")
        want = s["workers"] if source else s["in"]
        if sample == 1 and clean and total != want:
            errors.append(f"stage {name}: {total} spans, wanted {want} (one per item)")
        if sample == 1 and not clean and total > want:
            errors.append(f"stage {name}: {total} spans for {want} items")
        if sample > 1 and total > want // sample + s["workers"]:
            errors.append(f"stage {name}: {total} spans, more than one in {sample} of {want} items")
    for c in stats["channels"]:
        name = c["name"]
        lens = counters.get("channel " + name, [])
        print(f"channel {name}: drops {drops[name]} samples {'yes' if lens else 'no'}")
        if drops[name] != c["dropped"]:
            errors.append(f"channel {name}: {drops[name]} drop instants, stats say dropped={c['dropped']}")
        if any(v < 0 or v > c["capacity"] for v in lens):
            errors.append(f"channel {name}: a length outside [0, {c['capacity']}]: {sorted(set(lens))}")
    for e in errors:
        print(f"check_trace: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
