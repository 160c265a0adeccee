#!/usr/bin/env python3
"""bench/run.py — builds and runs the workloads side by side.

Every workload (W1-W6, W12, W13; bench/README.md) has a Flow implementation
and three peers (Go, oneTBB, mutex+cv), except W10 (HTTP fan-out): Flow and
Go only, and a local Go server that this script builds and starts on a free
port. This script builds them all (the C++ peers via
the CMake target `bench_peers`, Go via `go build`, Flow via `flowc build`),
runs each implementation --runs times interleaved (run 1 of every
implementation, then run 2, ...: slow drift of the machine hits all alike),
checks that every program prints the checksum the workload defines, and
prints one table: median wall time, items/s, peak RSS, CPU time over wall
time (user + system: how many cores it kept busy), peak thread count (for
workloads that ask for it: sampled from /proc every ~0.5 ms), and Flow's
speedup over each peer measured in the same run. --write-results also writes
bench/RESULTS.md with the machine description.

--quick runs every program once at a tiny size and only checks checksums
(the ctest `bench_checksums`): no timing claims. A Flow program is n/a, with
the reason, when flowc (or, for W4, the runtime) is not built yet; once they
are, a Flow program that fails to build fails a --quick run (and any run with
--require-flow, which also fails when flowc is missing). A program that
crashes or prints a wrong checksum always fails the run.

Standard library only. Does not tune the machine (CPU governor, isolation):
numbers are only comparable within one run.
"""
import argparse
import concurrent.futures
import datetime
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
WORKLOADS_DIR = os.path.join(BENCH, "workloads")
IMPLS = ("flow", "go", "tbb", "mutexcv", "cpp")
PEERS = ("flow", "go", "tbb", "mutexcv")  # what W1-W6 are written in; "cpp" is W8's hand-written C++
RUN_TIMEOUT_S = 300
# How Builder says "the Flow toolchain itself is not there yet" (vs "it failed").
NOT_BUILT_YET = re.compile(r"flowc not built|unknown target|not selected")


# --- expected checksums (closed forms; the programs print int64 that wrap) ---

def wrap64(v):
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


def expect_pipeline3(a):
    # sum of y = 2x+1 over x < n, minus the y divisible by 3 (x = 3k+1: y = 6k+3).
    n = a["n"]
    k = (n + 1) // 3
    return wrap64(n * n - (3 * k * (k - 1) + 3 * k))


def expect_worker_pool(a):
    if a["n"] * a.get("rounds", 200) > 5_000_000:  # too slow in Python: the implementations must agree instead
        return None
    total = 0
    for job in range(a["n"]):
        x = job + 1
        for _ in range(a.get("rounds", 200)):
            x = wrap64(x ^ (x << 13))
            x = x ^ (x >> 7)  # Python >> on a negative int is arithmetic, as in Flow
            x = wrap64(x ^ (x << 17))
        total += x
    return wrap64(total)


def expect_fan_in(a):
    m = 4 * (a["n"] // 4)
    return wrap64(m * (m - 1) // 2)


def expect_ping_pong(a):
    return wrap64(a["n"] * (a["n"] + 1) // 2)


def expect_rendezvous_chain(a):
    return wrap64(a["n"] * (a["n"] + 1) // 2)  # the sum of i + 1 over i < n


def expect_blocking_calls(a):
    return wrap64(a["n"] * a["n"])  # the sum of 2*job + 1 over job < n


def expect_append_build(a):
    return wrap64(a["n"] * (a["n"] - 1) // 2)


def expect_sleepers(a):
    return wrap64(a["jobs"] * (a["jobs"] - 1) // 2)


expect_http_fanout = expect_sleepers  # the server answers job N with N


def expect_from_data(a):
    return a.get("_expect")


# --- inputs: generated at bench time with a fixed seed, cached -----------------

def data_readings(args, data_dir):
    """W8: n JSON lines of a 5-field reading over 1,000 sensors. Values are
    multiples of 0.25 below 1000, so every sum is exact in a double."""
    import random
    n = args["n"]
    path = os.path.join(data_dir, f"readings-{n}.jsonl")
    expect_path = path + ".checksum"
    if not (os.path.exists(path) and os.path.exists(expect_path)):
        rng = random.Random(8)
        sums = {}
        with open(path + ".tmp", "w") as f:
            for i in range(n):
                sensor = f"sensor-{rng.randrange(1000):04d}"
                quarters = rng.randrange(4000)
                sums[sensor] = sums.get(sensor, 0) + quarters
                unit = "celsius" if i % 3 else "kelvin"
                ok = "true" if i % 7 else "false"
                f.write(f'{{"sensor": "{sensor}", "value": {quarters / 4}, "at": {1700000000 + i}, '
                        f'"unit": "{unit}", "ok": {ok}}}\n')
        os.replace(path + ".tmp", path)
        with open(expect_path, "w") as f:
            f.write(str(sum(sums.values()) + len(sums)))
    with open(expect_path) as f:
        return path, int(f.read())


def data_text(args, data_dir):
    """W9: about `mb` MB of words drawn from a Zipf distribution (s = 1.1) over
    a 50,000-word vocabulary, 12 words a line."""
    import random
    import bisect
    from collections import Counter
    mb = args["mb"]
    path = os.path.join(data_dir, f"zipf-{mb}mb.txt")
    expect_path = path + ".checksum"
    if not (os.path.exists(path) and os.path.exists(expect_path)):
        rng = random.Random(9)
        letters = "abcdefghijklmnopqrstuvwxyz"
        vocab = []
        seen = set()
        while len(vocab) < 50_000:
            w = "".join(rng.choice(letters) for _ in range(rng.randint(2, 10)))
            if w not in seen:
                seen.add(w)
                vocab.append(w)
        cum, total = [], 0.0
        for r in range(1, len(vocab) + 1):
            total += 1 / r ** 1.1
            cum.append(total)
        counts = Counter()
        size, target = 0, mb * 1_000_000
        with open(path + ".tmp", "w") as f:
            while size < target:
                words = [vocab[bisect.bisect(cum, rng.random() * total)] for _ in range(12)]
                counts.update(words)
                line = " ".join(words) + "\n"
                f.write(line)
                size += len(line)
        os.replace(path + ".tmp", path)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        with open(expect_path, "w") as f:
            f.write(str(sum((i + 1) * (n + len(w)) for i, (w, n) in enumerate(top))))
    with open(expect_path) as f:
        return path, int(f.read())


# --- the workloads -----------------------------------------------------------

@dataclass
class Workload:
    key: str            # row label
    folder: str         # under bench/workloads/
    stem: str           # <stem>.flow, <stem>.go
    items_param: str    # the argument that counts items
    full: dict          # arguments at full size
    quick: dict         # arguments for --quick
    expect: object      # args -> expected checksum or None
    target: str         # the goal (issue 6's for W1-W5), for the targets table
    # ("speed", min Go/Flow time ratio), ("wall_rss", max wall ratio, max RSS ratio),
    # ("wall_cpu", max wall ratio, min Flow CPU/wall) or ("wall_ideal", max wall ratio, ideal seconds)
    goal: tuple
    flow_target: str = ""  # CMake target when Flow is written against the runtime API (W4)
    per_impl_full: dict = field(default_factory=dict)  # impl -> argument overrides at full size
    unit: str = "items"
    impls: tuple = PEERS  # the implementations this workload has
    data: object = None   # args, data dir -> (input file, expected checksum): made with a fixed seed
    # More targets: ("peer", impl, max Flow/impl time ratio) or
    # ("workload", other key, max time ratio of Flow here to Flow there).
    extra_goals: tuple = ()
    flow_build: tuple = ()  # extra `flowc build` arguments, relative to the workload's folder (externs)
    threads: bool = False   # sample the peak thread count
    server: dict = field(default_factory=dict)  # a local server to start: Go stem and its arguments


WORKLOADS = [
    Workload("W1 pipeline3", "w1_pipeline3", "pipeline3", "n", {"n": 10_000_000}, {"n": 20_000},
             expect_pipeline3, "items/s >= 2x Go", ("speed", 2.0)),
    Workload("W2 pool W=2", "w2_worker_pool", "worker_pool", "n", {"n": 2_000_000, "pool": 2},
             {"n": 2_000, "pool": 2}, expect_worker_pool, "jobs/s >= 1.5x Go", ("speed", 1.5), unit="jobs"),
    Workload("W2 pool W=8", "w2_worker_pool", "worker_pool", "n", {"n": 2_000_000, "pool": 8},
             {"n": 2_000, "pool": 8}, expect_worker_pool, "jobs/s >= 1.5x Go", ("speed", 1.5), unit="jobs"),
    Workload("W3 fan-in", "w3_fan_in", "fan_in", "n", {"n": 8_000_000}, {"n": 20_000},
             expect_fan_in, "items/s >= 1x Go", ("speed", 1.0)),
    # mutex+cv pays ~50 us per round trip (two futex wake-ups across cores),
    # oneTBB's blocking queues ~15 us: fewer round trips keep each run near a
    # second or two; ns/round trip is per item anyway.
    Workload("W4 ping-pong", "w4_ping_pong", "ping_pong", "n", {"n": 1_000_000}, {"n": 2_000},
             expect_ping_pong, "round trip <= Go", ("speed", 1.0), flow_target="w4_ping_pong_flow",
             per_impl_full={"mutexcv": {"n": 20_000}, "tbb": {"n": 200_000}}, unit="round trips"),
    Workload("W5 10k/1k", "w5_sleepers", "sleepers", "jobs", {"jobs": 10_000, "pool": 1_000},
             {"jobs": 200, "pool": 20, "nap_ms": 5}, expect_sleepers,
             "wall <= 1.1x Go, RSS <= 3x Go", ("wall_rss", 1.1, 3.0), unit="jobs"),
    Workload("W5 100k/10k", "w5_sleepers", "sleepers", "jobs", {"jobs": 100_000, "pool": 10_000},
             {"jobs": 1_000, "pool": 200, "nap_ms": 5}, expect_sleepers,
             "wall <= 1.5x Go, RSS <= 3x Go", ("wall_rss", 1.5, 3.0), unit="jobs"),
    # Not issue 6's workloads: a chain of three coroutines over capacity-0
    # and capacity-1 channels (bench/README.md). Target: as fast as Go, like W3.
    Workload("W6 chain cap=0", "w6_rendezvous_chain", "rendezvous_chain", "n", {"n": 1_000_000, "cap": 0},
             {"n": 2_000, "cap": 0}, expect_rendezvous_chain, "items/s >= 1x Go", ("speed", 1.0),
             per_impl_full={"mutexcv": {"n": 20_000}}),
    Workload("W6 chain cap=1", "w6_rendezvous_chain", "rendezvous_chain", "n", {"n": 1_000_000, "cap": 1},
             {"n": 2_000, "cap": 1}, expect_rendezvous_chain, "items/s >= 1x Go", ("speed", 1.0),
             per_impl_full={"mutexcv": {"n": 20_000}}),
    # Issue 14's: keyed workers, maps and JSON (bench/README.md).
    Workload("W2 key W=2", "w2_worker_pool", "worker_pool_keyed", "n", {"n": 2_000_000, "pool": 2},
             {"n": 2_000, "pool": 2}, expect_worker_pool, "<= 1.1x W2's time", ("workload", "W2 pool W=2", 1.1),
             unit="jobs", impls=("flow",)),
    Workload("W8 JSON agg", "w8_json_agg", "json_agg", "n", {"n": 1_000_000, "pool": 2},
             {"n": 2_000, "pool": 2}, expect_from_data, "lines/s >= 3x Go", ("speed", 3.0),
             unit="lines", impls=("flow", "go", "cpp"), data=data_readings,
             extra_goals=(("peer", "cpp", 1.3),)),
    Workload("W9 word freq", "w9_word_freq", "word_freq", "mb", {"mb": 50, "pool": 2},
             {"mb": 1, "pool": 2}, expect_from_data, "MB/s >= 1.5x Go", ("speed", 1.5),
             unit="MB", impls=("flow", "go"), data=data_text),
    # W12: W2's programs with heavy jobs, ~50 ms of CPU each (25M xorshift
    # rounds): every core busy however many workers (bench/README.md).
    Workload("W12 heavy W=16", "w2_worker_pool", "worker_pool", "n", {"n": 16, "pool": 16, "rounds": 25_000_000},
             {"n": 16, "pool": 16, "rounds": 1_000}, expect_worker_pool, "wall <= 1.1x Go, CPU/wall >= 1.8",
             ("wall_cpu", 1.1, 1.8), unit="jobs"),
    Workload("W12 heavy W=2", "w2_worker_pool", "worker_pool", "n", {"n": 16, "pool": 2, "rounds": 25_000_000},
             {"n": 16, "pool": 2, "rounds": 1_000}, expect_worker_pool, "wall <= 1.1x Go, CPU/wall >= 1.8",
             ("wall_cpu", 1.1, 1.8), unit="jobs"),
    # W13: 200 calls that block 20 ms each (an extern C++ function; Go:
    # syscall.Nanosleep) on 50 workers; the ideal is 4 x 20 ms.
    Workload("W13 blocking", "w13_blocking_calls", "blocking_calls", "n", {"n": 200, "pool": 50, "ms": 20},
             {"n": 20, "pool": 5, "ms": 1}, expect_blocking_calls, "wall <= 1.2x ideal (80 ms) and <= 1.2x Go",
             ("wall_ideal", 1.2, 0.080), unit="calls", threads=True,
             flow_build=("block_call.cpp", "-I", ".")),
    # HTTP fan-out to a local server that answers after 50 ms. The
    # 100-worker row is there to show the thread count does not grow with
    # the pool (its own wall is 5 s of waiting, so it runs fewer jobs).
    Workload("W10 http 10k/1k", "w10_http_fanout", "http_fanout", "jobs", {"jobs": 10_000, "pool": 1_000},
             {"jobs": 200, "pool": 20}, expect_http_fanout,
             "wall <= 1.2x Go, RSS <= 2x Go, threads flat", ("wall_rss_threads", 1.2, 2.0), unit="requests",
             impls=("flow", "go"), threads=True,
             server={"stem": "server", "full": {"delay_ms": 50}, "quick": {"delay_ms": 5}}),
    Workload("W10 http 2k/100", "w10_http_fanout", "http_fanout", "jobs", {"jobs": 2_000, "pool": 100},
             {"jobs": 100, "pool": 5}, expect_http_fanout,
             "wall <= 1.2x Go, RSS <= 2x Go", ("wall_rss", 1.2, 2.0), unit="requests",
             impls=("flow", "go"), threads=True,
             server={"stem": "server", "full": {"delay_ms": 50}, "quick": {"delay_ms": 5}}),
    # One body building a list with `xs = append(xs, i)`, then summing it:
    # list growth in place against Go's append (no C++ peers: nothing to hand off).
    Workload("W14 append", "w14_append", "append_build", "n", {"n": 1_000_000}, {"n": 20_000},
             expect_append_build, "time <= 2x Go", ("speed", 0.5), impls=("flow", "go")),
]


# --- building ------------------------------------------------------------------

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_quiet(cmd, env=None, timeout=900):
    """Runs a build command; returns (ok, last lines of its output)."""
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    tail = "\n".join(p.stdout.strip().splitlines()[-15:])
    return p.returncode == 0, tail


def first_error(text):
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()[:200]
    return (text.strip().splitlines() or ["failed"])[-1][:200]


class Builder:
    """Finds or builds every implementation; records why one is unavailable."""

    def __init__(self, build_dir, flowc, no_build):
        self.build_dir = build_dir
        self.out = os.path.join(build_dir, "bench")
        self.no_build = no_build
        self.flowc = flowc or os.path.join(build_dir, "compiler", "driver", "flowc")
        self.binaries = {}   # (stem, impl) -> path; (folder, "server") -> a workload's server
        self.missing = {}    # the same keys -> reason

    def build_all(self, workloads):
        programs = sorted({(w.folder, w.stem, w.flow_target, w.impls) for w in workloads})
        self.flow_build = {w.folder: w.flow_build for w in workloads}
        self._cmake(sorted({w.flow_target for w in workloads if w.flow_target}))
        for folder, stem, _, impls in programs:
            for impl in ("tbb", "mutexcv", "cpp"):
                if impl in impls:
                    self._cxx_peer(folder, stem, impl)
        servers = {(w.folder, w.server["stem"]) for w in workloads if w.server}
        self._go(sorted({(folder, stem) for folder, stem, _, impls in programs if "go" in impls} | servers))
        self._flow([(folder, stem, t) for folder, stem, t, impls in programs if "flow" in impls])

    def _cmake(self, flow_targets):
        if self.no_build:
            return
        cmd = ["cmake", "--build", self.build_dir, "-j", "2", "--target", "bench_peers"]
        ok, tail = run_quiet(cmd)
        if not ok:
            log("bench: building the C++ peers failed:\n" + tail)
        for t in flow_targets:  # Flow against the runtime API: optional until the runtime has it
            ok, tail = run_quiet(["cmake", "--build", self.build_dir, "-j", "2", "--target", t])
            if not ok:
                self.missing[("cmake", t)] = "does not build: " + first_error(tail)

    def _cxx_peer(self, folder, stem, impl):
        path = os.path.join(self.out, "peers", f"{folder}_{impl}")
        if os.path.exists(path):
            self.binaries[(stem, impl)] = path
        else:
            self.missing[(stem, impl)] = f"{path} not built (cmake target {folder}_{impl})"

    def _go(self, folders):
        go = shutil.which("go")
        gobin = os.path.join(self.out, "go")
        os.makedirs(gobin, exist_ok=True)
        # No modules, no network: a fresh clone (CI runs as root) builds with
        # caches kept inside the build tree.
        env = dict(os.environ, GO111MODULE="off", GOFLAGS="", GOCACHE=os.path.join(gobin, "cache"),
                   GOPATH=os.path.join(gobin, "path"), GOTOOLCHAIN="local")
        for folder, stem in folders:
            src = os.path.join(WORKLOADS_DIR, folder, stem + ".go")
            out = os.path.join(gobin, stem)
            # A workload's local server is keyed by its folder, not an implementation.
            key = (stem, "go") if stem != "server" else (folder, "server")
            if not go:
                self.missing[key] = "`go` not found (Debian package golang-go)"
                continue
            if not self.no_build and not is_fresh(out, [src]):
                ok, tail = run_quiet([go, "build", "-o", out, src], env=env)
                if not ok:
                    self.missing[key] = "go build failed: " + first_error(tail)
                    continue
            self.binaries[key] = out

    def _flow(self, folders):
        for folder, stem, flow_target in folders:
            if flow_target:
                path = os.path.join(self.out, "peers", flow_target)
                reason = self.missing.get(("cmake", flow_target))
                if reason or not os.path.exists(path):
                    self.missing[(stem, "flow")] = reason or f"cmake target {flow_target} not built"
                else:
                    self.binaries[(stem, "flow")] = path
        todo = [(folder, stem) for folder, stem, t in folders if not t]
        if not os.path.exists(self.flowc):
            for _, stem in todo:
                self.missing[(stem, "flow")] = f"flowc not built ({self.flowc})"
            return
        flowbin = os.path.join(self.out, "flow")
        os.makedirs(flowbin, exist_ok=True)
        deps = [self.flowc] + list_files(os.path.join(REPO, "runtime"))

        def build(item):
            folder, stem = item
            src = os.path.join(WORKLOADS_DIR, folder, stem + ".flow")
            out = os.path.join(flowbin, stem)
            extra = [a if a.startswith("-") else os.path.join(WORKLOADS_DIR, folder, a)
                     for a in self.flow_build.get(folder, ())]
            if self.no_build or is_fresh(out, [src] + list_files(os.path.join(WORKLOADS_DIR, folder)) + deps):
                return item, True, ""
            if os.path.exists(out):
                os.remove(out)  # never time a stale binary
            ok, tail = run_quiet([self.flowc, "build", src] + extra + ["-o", out])
            return item, ok and os.path.exists(out), tail

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # 2 cores, shared
            for (folder, stem), ok, tail in pool.map(build, todo):
                out = os.path.join(flowbin, stem)
                if ok and os.path.exists(out):
                    self.binaries[(stem, "flow")] = out
                else:
                    self.missing[(stem, "flow")] = "flowc build failed: " + first_error(tail)


def list_files(root):
    found = []
    for d, _, files in os.walk(root):
        found += [os.path.join(d, f) for f in files]
    return found


def is_fresh(out, deps):
    if not os.path.exists(out):
        return False
    t = os.path.getmtime(out)
    return all(os.path.getmtime(d) <= t for d in deps if os.path.exists(d))


# --- running -------------------------------------------------------------------

@dataclass
class Sample:
    wall: float = 0.0
    rss_kb: int = 0
    cpu: float = 0.0    # user + system seconds
    threads: int = 0    # peak thread count, when sampled
    checksum: object = None
    error: str = ""


TIME = "/usr/bin/time"  # GNU time (Debian package `time`)


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it ended just now


def count_threads(pid):
    """Threads of `pid` and of its children (the program under GNU time), or 0."""
    total = 0
    try:
        total += len(os.listdir(f"/proc/{pid}/task"))
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = f.read().split()
    except OSError:
        return total
    for child in children:
        try:
            total += len(os.listdir(f"/proc/{child}/task"))
        except OSError:
            pass
    return total


class ThreadSampler:
    """Polls the thread count of a process tree every ~0.5 ms until stopped."""

    def __init__(self, pid):
        self.pid, self.peak, self.own = pid, 0, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            n = count_threads(self.pid)
            if os.path.exists(TIME):
                n -= 1  # time(1) itself
            self.peak = max(self.peak, n)
            self.done.wait(0.0005)

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.peak


class Server:
    """A workload's local server: started on a free port, stopped at the end."""

    def __init__(self, binary, args):
        argv = [binary] + [f"--{k}={v}" for k, v in args.items()]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening (\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"{binary} did not start: {line!r}")
        self.url = f"http://127.0.0.1:{m.group(1)}"

    def stop(self):
        kill_group(self.proc.pid)
        self.proc.wait()


def run_once(binary, args, sample_threads=False):
    """Runs one program; wall time from spawn to exit, its CPU time, its peak
    RSS and (with sample_threads) its peak thread count."""
    argv = [binary] + [f"--{k}={v}" for k, v in args.items() if not k.startswith("_")]
    # Peak RSS comes from GNU time's %M: the kernel's ru_maxrss counts the
    # image a child had before exec(), and a child forked from this Python
    # process starts at ~18 MB, more than most programs here ever use. time's
    # own image is ~1 MB. Without time, fall back to wait4 (an overestimate).
    rss_file = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False)
    rss_file.close()
    if os.path.exists(TIME):
        argv = [TIME, "-f", "%M %U %S", "-o", rss_file.name] + argv
    # Files, not pipes: the child can never block on a full pipe while we
    # sit in wait4.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            # Own process group: on a timeout the program dies with time(1),
            # instead of running on as an orphan that skews every later run.
            proc = subprocess.Popen(argv, stdout=out, stderr=err, start_new_session=True)
        except OSError as e:
            os.unlink(rss_file.name)
            return Sample(error=str(e))
        watchdog = threading.Timer(RUN_TIMEOUT_S, kill_group, (proc.pid,))
        watchdog.start()
        sampler = ThreadSampler(proc.pid) if sample_threads else None
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        peak_threads = sampler.stop() if sampler else 0
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        timed_out = not watchdog.is_alive()
        watchdog.cancel()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode(errors="replace")
    with open(rss_file.name) as f:
        measured = re.findall(r"^(\d+) ([0-9.]+) ([0-9.]+)\s*$", f.read(), re.M)
    os.unlink(rss_file.name)
    # wait4's usage counts the children time(1) waited for: the program.
    cpu = float(measured[-1][1]) + float(measured[-1][2]) if measured else usage.ru_utime + usage.ru_stime
    s = Sample(wall=wall, rss_kb=int(measured[-1][0]) if measured else usage.ru_maxrss, cpu=cpu,
               threads=peak_threads)
    if timed_out:
        s.error = f"timed out after {RUN_TIMEOUT_S}s"
    elif proc.returncode != 0:
        s.error = f"exit {proc.returncode}: " + first_error(stderr or "no stderr")
    else:
        m = re.findall(rb"^checksum (-?\d+)\s*$", stdout, re.M)
        if m:
            s.checksum = int(m[-1])
        else:
            s.error = "printed no `checksum N` line"
    return s


def measure(workloads, builder, runs, quick):
    """Returns {(workload key, impl): (args, [Sample])}; runs interleaved."""
    plan, servers = [], {}
    data_dir = os.path.join(builder.out, "data")
    os.makedirs(data_dir, exist_ok=True)
    try:
        for w in workloads:
            inputs = {}
            if w.data:
                base = dict(w.quick if quick else w.full)
                log(f"bench: preparing the input of {w.key} {fmt_args(base)}")
                inputs["path"], inputs["_expect"] = w.data(base, data_dir)
            if w.server:
                binary = builder.binaries.get((w.folder, "server"))
                if not binary:
                    continue  # every implementation is n/a: no server to talk to
                server_args = w.server["quick" if quick else "full"]
                key = (w.folder, tuple(sorted(server_args.items())))
                if key not in servers:
                    servers[key] = Server(binary, server_args)
                inputs["url"] = servers[key].url
            for impl in w.impls:
                binary = builder.binaries.get((w.stem, impl))
                if not binary:
                    continue
                args = dict(w.quick if quick else w.full)
                if not quick:
                    args.update(w.per_impl_full.get(impl, {}))
                args.update(inputs)
                plan.append((w, impl, binary, args))
        results = {(w.key, impl): (args, []) for w, impl, _, args in plan}
        for r in range(runs):
            for w, impl, binary, args in plan:
                if not quick:
                    log(f"bench: run {r + 1}/{runs} {w.key} {impl} {fmt_args(args)}")
                sample = run_once(binary, args, sample_threads=w.threads and not quick)
                results[(w.key, impl)][1].append(sample)
        return results
    finally:
        for server in servers.values():
            server.stop()


@dataclass
class Row:
    workload: Workload
    impl: str
    args: dict = field(default_factory=dict)
    status: str = ""        # "" = measured; otherwise n/a / FAILED with the reason
    wall: float = 0.0       # median seconds
    spread: float = 0.0     # (max - min) / median
    rss_mb: float = 0.0     # median peak RSS
    cpu_per_wall: float = 0.0  # median of (user + system) / wall
    threads: int = 0        # median peak thread count (0: not sampled)
    checksum_ok: bool = True
    checksum_note: str = ""

    @property
    def items(self):
        return self.args.get(self.workload.items_param, 0)

    @property
    def per_item(self):
        return self.wall / self.items if self.items else 0.0


def summarize(workloads, builder, results):
    rows, failed = [], False
    for w in workloads:
        seen = {}
        for impl in w.impls:
            row = Row(w, impl)
            rows.append(row)
            if (w.key, impl) not in results:
                row.status = "n/a: " + builder.missing.get((w.stem, impl), "not built")
                continue
            row.args, samples = results[(w.key, impl)]
            errors = [s.error for s in samples if s.error]
            if errors:
                row.status = "FAILED: " + errors[0]
                failed = True
                continue
            walls = [s.wall for s in samples]
            row.wall = statistics.median(walls)
            row.spread = (max(walls) - min(walls)) / row.wall if row.wall else 0.0
            row.rss_mb = statistics.median(s.rss_kb for s in samples) / 1024
            row.cpu_per_wall = statistics.median(s.cpu / s.wall for s in samples if s.wall)
            row.threads = int(statistics.median(s.threads for s in samples))
            sums = {s.checksum for s in samples}
            want = w.expect(row.args)
            got = samples[0].checksum
            if len(sums) > 1:
                row.checksum_ok, row.checksum_note = False, f"varies between runs: {sorted(sums)}"
            elif want is not None and got != want:
                row.checksum_ok, row.checksum_note = False, f"got {got}, want {want}"
            else:
                key = tuple(sorted((k, v) for k, v in row.args.items() if k not in ("path", "_expect")))
                other = seen.setdefault(key, (impl, got))
                if other[1] != got:
                    row.checksum_ok = False
                    row.checksum_note = f"got {got}, {other[0]} got {other[1]}"
            failed |= not row.checksum_ok
    return rows, failed


def fmt_rate(v):
    for div, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if v >= div:
            return f"{v / div:.2f}{suffix}"
    return f"{v:.1f}"


def fmt_time(sec):
    if sec >= 1:
        return f"{sec:.3f} s"
    if sec >= 1e-3:
        return f"{sec * 1e3:.1f} ms"
    if sec >= 1e-6:
        return f"{sec * 1e6:.2f} µs"
    return f"{sec * 1e9:.0f} ns"


def fmt_args(args):
    # The input file's path is the same for every implementation: not shown.
    # The input file's path is the same for every implementation, and url is
    # a local server: neither is shown.
    return " ".join(f"{k}={v:,}" for k, v in args.items() if k not in ("path", "_expect", "url"))


def table(rows, quick):
    if quick:
        lines = ["| workload | impl | size | checksum |", "|---|---|---|---|"]
        for r in rows:
            state = r.status or ("ok" if r.checksum_ok else "MISMATCH " + r.checksum_note)
            lines.append(f"| {r.workload.key} | {r.impl} | {fmt_args(r.args)} | {state} |")
        return "\n".join(lines)
    lines = ["| workload | impl | size | median wall (spread) | per item | items/s | peak RSS | CPU/wall "
             "| peak threads | Flow speedup vs this | checksum |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    flow = {r.workload.key: r for r in rows if r.impl == "flow" and not r.status}
    for r in rows:
        if r.status:
            lines.append(f"| {r.workload.key} | {r.impl} | | {r.status} | | | | | | | |")
            continue
        f = flow.get(r.workload.key)
        speedup = "—" if r.impl == "flow" or not f else f"{r.per_item / f.per_item:.2f}x"
        check = "ok" if r.checksum_ok else "MISMATCH " + r.checksum_note
        threads = str(r.threads) if r.workload.threads else "—"
        lines.append(
            f"| {r.workload.key} | {r.impl} | {fmt_args(r.args)} | {fmt_time(r.wall)} (±{r.spread * 50:.0f}%) "
            f"| {fmt_time(r.per_item)} | {fmt_rate(1 / r.per_item)} | {r.rss_mb:.1f} MB | {r.cpu_per_wall:.2f} "
            f"| {threads} | {speedup} | {check} |")
    return "\n".join(lines)


def targets_table(rows):
    """The targets: Flow against Go measured in the same run (and W8 against
    its C++ peer, W2 keyed against W2)."""
    by = {(r.workload.key, r.impl): r for r in rows}
    lines = ["| workload | target | measured | met? |", "|---|---|---|---|"]
    for w in WORKLOADS:
        f = by.get((w.key, "flow"))
        goals = [w.goal] + list(w.extra_goals)
        for goal in goals:
            if goal[0] == "workload":
                other = by.get((goal[1], "flow"))
                if not f or not other:
                    continue
                if f.status or other.status:
                    lines.append(f"| {w.key} | {w.target} | n/a | n/a |")
                    continue
                ratio = f.per_item / other.per_item
                lines.append(f"| {w.key} | {w.target} | {ratio:.3f}x {goal[1]}'s time per job "
                             f"| {'yes' if ratio <= goal[2] else 'NO'} |")
                continue
            if goal[0] == "peer":
                p = by.get((w.key, goal[1]))
                if not f or not p:
                    continue
                target = f"time <= {goal[2]}x the {goal[1]} peer's"
                if f.status or p.status:
                    lines.append(f"| {w.key} | {target} | n/a | n/a |")
                    continue
                ratio = f.per_item / p.per_item
                lines.append(f"| {w.key} | {target} | {ratio:.2f}x its time | {'yes' if ratio <= goal[2] else 'NO'} |")
                continue
            g = by.get((w.key, "go"))
            if not f or not g:
                continue
            if f.status or g.status:
                lines.append(f"| {w.key} | {w.target} | n/a | n/a |")
                continue
            if goal[0] in ("wall_rss", "wall_rss_threads"):
                wall, rss = f.wall / g.wall, f.rss_mb / g.rss_mb
                met = wall <= goal[1] and rss <= goal[2]
                got = f"wall {wall:.2f}x, RSS {rss:.2f}x"
                if goal[0] == "wall_rss_threads":
                    # Flow's threads at this pool against its other rows of the same workload.
                    others = [r for r in rows if r.impl == "flow" and r.workload.folder == w.folder
                              and r.workload.key != w.key and not r.status]
                    flat = all(o.threads == f.threads for o in others)
                    got += f", threads {f.threads} (Go {g.threads})" + "".join(
                        f", at pool {o.args.get('pool', '?'):,}: {o.threads}" for o in others)
                    met = met and flat and bool(others)
                lines.append(f"| {w.key} | {w.target} | {got} | {'yes' if met else 'NO'} |")
                continue
            if goal[0] == "wall_cpu":
                wall = f.wall / g.wall
                met = wall <= goal[1] and f.cpu_per_wall >= goal[2]
                lines.append(f"| {w.key} | {w.target} | wall {wall:.2f}x, CPU/wall {f.cpu_per_wall:.2f} "
                             f"(Go {g.cpu_per_wall:.2f}) | {'yes' if met else 'NO'} |")
                continue
            if goal[0] == "wall_ideal":
                wall, ideal = f.wall / g.wall, f.wall / goal[2]
                met = wall <= goal[1] and ideal <= goal[1]
                lines.append(f"| {w.key} | {w.target} | wall {ideal:.2f}x ideal, {wall:.2f}x Go; peak threads "
                             f"{f.threads} (Go {g.threads}) | {'yes' if met else 'NO'} |")
                continue
            speed, need = g.per_item / f.per_item, goal[1]
            lines.append(f"| {w.key} | {w.target} | {speed:.2f}x as fast as Go | {'yes' if speed >= need else 'NO'} |")
    return "\n".join(lines)


# --- the machine ---------------------------------------------------------------

def first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def machine(builder, load_at_start):
    cpu, mem = "unknown", "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M).group(1)
        with open("/proc/meminfo") as f:
            kib = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1))
            mem = f"{kib / 1048576:.1f} GiB"
    except (OSError, AttributeError):
        pass
    tbb = first_line(["dpkg-query", "-W", "-f", "${Version}", "libtbb-dev"])
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- memory: {mem}; kernel {platform.release()}",
        f"- C++ peers and the runtime library: {first_line(['g++', '--version'])}, -O2; "
        f"oneTBB (libtbb-dev) {tbb}",
        f"- Flow programs: `flowc build` ({builder.flowc}), which compiles with "
        f"{first_line(['clang++', '--version'])} -O2 when present; W4 for Flow: g++ -O2 (CMake)",
        f"- Go: {first_line(['go', 'version'])}, GOMAXPROCS default",
        f"- commit: {first_line(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'])} plus the work tree as it was",
        "- load average (1, 5, 15 min) at start: " + " ".join(f"{x:.2f}" for x in load_at_start)
        + "; at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        + " (above ~2 on this 2-core machine, other work shared the cores: trust ratios and spreads, "
        "not absolute numbers)",
    ]


def write_results(path, rows, runs, started, builder, load_at_start):
    text = [
        "# Benchmark results",
        "",
        f"Written by `python3 bench/run.py {' '.join(sys.argv[1:])}` on "
        f"{started:%Y-%m-%d %H:%M} UTC. Regenerate whenever performance changes; "
        "numbers are comparable only within one run (see README.md, \"Reading the table\").",
        "",
        "## Machine",
        *machine(builder, load_at_start),
        "",
        "## Results",
        f"Median of {runs} runs each, interleaved. *Flow speedup vs this* = this row's time per item "
        "divided by Flow's (above 1: Flow is faster).",
        "",
        table(rows, quick=False),
        "",
        "## Targets (Flow against Go and other peers, same run)",
        "",
        targets_table(rows),
        "",
    ]
    # A hand-written "## Notes" section at the end survives regeneration.
    notes = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if "\n## Notes" in old:
            notes = old[old.index("\n## Notes"):]
    with open(path, "w") as f:
        f.write("\n".join(text) + notes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", required=True, help="CMake build tree (has bench_peers, flowc)")
    ap.add_argument("--runs", type=int, default=5, help="runs per implementation (median reported)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one run, checksums only")
    ap.add_argument("--only", default="", help="comma-separated workload prefixes, e.g. W1,W4")
    ap.add_argument("--impl", default=",".join(IMPLS), help="comma-separated implementations")
    ap.add_argument("--flowc", default="", help="flowc binary (default: BUILD/compiler/driver/flowc)")
    ap.add_argument("--no-build", action="store_true", help="use what is already built")
    ap.add_argument("--require-flow", action="store_true", help="a missing flowc or Flow program fails the run")
    ap.add_argument("--write-results", action="store_true", help="write bench/RESULTS.md")
    opts = ap.parse_args()

    started = datetime.datetime.utcnow()
    load_at_start = os.getloadavg()
    build_dir = os.path.abspath(opts.build_dir)
    only = [p.strip() for p in opts.only.split(",") if p.strip()]
    workloads = [w for w in WORKLOADS if not only or any(w.key.startswith(p) for p in only)]
    impls = set(opts.impl.split(","))
    runs = 1 if opts.quick else opts.runs

    builder = Builder(build_dir, opts.flowc, opts.no_build)
    builder.build_all(workloads)
    # A workload's server is no implementation: --impl never deselects it.
    for key in [k for k in builder.binaries if k[1] not in impls and k[1] != "server"]:
        del builder.binaries[key]
        builder.missing[key] = "not selected (--impl)"
    results = measure(workloads, builder, runs, opts.quick)
    rows, failed = summarize(workloads, builder, results)

    print(table(rows, opts.quick))
    if not opts.quick:
        print()
        print(targets_table(rows))
    # A peer must always be there (its toolchain aside). A Flow program may be
    # missing only because its compiler/runtime is not built yet, except with
    # --require-flow; with them built, a failed build fails a --quick run.
    for r in rows:
        if not r.status.startswith("n/a") or r.impl not in impls:
            continue
        if r.impl != "flow":
            failed |= not ("not found" in r.status or "not selected" in r.status)
        elif opts.require_flow or (opts.quick and not NOT_BUILT_YET.search(r.status)):
            failed = True
    if opts.write_results:
        write_results(os.path.join(BENCH, "RESULTS.md"), rows, runs, started, builder, load_at_start)
        log("bench: wrote " + os.path.join(BENCH, "RESULTS.md"))
    if failed:
        log("bench: FAILED (see the table)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
