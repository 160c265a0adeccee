"""Checks a generated program's --stats-json file (docs/language.md, "The
generated program").

Usage (in a lit RUN line):
    %python check_stats.py STATS.json CHECK...

First checks that the file has every key the reference promises: "stages"
(each with name, workers, in, out, failed, retried, timed_out, p50_ms, p99_ms),
"channels" (each with name, capacity, sent, received, dropped, max_len),
"elapsed_ms" and "exit_code". Then each CHECK compares numbers:

    stage.fetch.failed=3            a stage's counter
    channel.progress.dropped>=1     a channel's counter; also <=, >, <, !=
    channel.progress.received+dropped=sent
                                    either side may be a sum of keys of the
                                    same object, or an integer
    exit_code=0                     a top-level key

Silent on success; on failure prints every failed check and exits 1.
"""
import json
import re
import sys

STAGE_KEYS = ["name", "workers", "in", "out", "failed", "retried", "timed_out", "p50_ms", "p99_ms"]
CHANNEL_KEYS = ["name", "capacity", "sent", "received", "dropped", "max_len"]
TOP_KEYS = ["stages", "channels", "elapsed_ms", "exit_code"]
OPS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}
CHECK_RE = re.compile(r"^(?:(stage|channel)\.([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z0-9_+]+)(!=|>=|<=|=|>|<)([A-Za-z0-9_+-]+)$")


def schema_errors(stats):
    errors = [f"missing top-level key `{k}`" for k in TOP_KEYS if k not in stats]
    for kind, keys in (("stages", STAGE_KEYS), ("channels", CHANNEL_KEYS)):
        for i, obj in enumerate(stats.get(kind, [])):
            for k in keys:
                if k not in obj:
                    errors.append(f"{kind}[{i}] ({obj.get('name', '?')}) has no key `{k}`")
    return errors


def value(obj, side, where):
    if re.fullmatch(r"-?[0-9]+", side):
        return int(side)
    total = 0
    for key in side.split("+"):
        if key not in obj:
            raise KeyError(f"{where} has no key `{key}`")
        total += obj[key]
    return total


def run_check(stats, check):
    m = CHECK_RE.match(check)
    if not m:
        return f"cannot parse check `{check}`"
    kind, name, lhs, op, rhs = m.groups()
    if kind:
        objs = [o for o in stats.get(kind + "s", []) if o.get("name") == name]
        if not objs:
            return f"`{check}`: no {kind} named `{name}`"
        obj, where = objs[0], f"{kind} `{name}`"
    else:
        obj, where = stats, "the top level"
    try:
        a, b = value(obj, lhs, where), value(obj, rhs, where)
    except KeyError as e:
        return f"`{check}`: {e.args[0]}"
    if not OPS[op](a, b):
        return f"`{check}` failed: {lhs} is {a}, {rhs} is {b}"
    return None


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        stats = json.load(f)
    errors = schema_errors(stats)
    errors += [e for e in (run_check(stats, c) for c in argv[2:]) if e]
    for e in errors:
        sys.stderr.write(f"check_stats: {argv[1]}: {e}\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
