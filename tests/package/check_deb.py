#!/usr/bin/env python3
"""The Flow .deb (cmake/FlowDebian.cmake), made from this build tree.

Runs scripts/package-deb.sh --no-build and checks the package:
  - its control fields: Package `flow`, the project's version, Depends on a
    C++20 compiler (`clang (>= 1:14) | g++ (>= 4:12)`), on the development
    packages generated programs build against (libcurl, simdjson,
    robin-map), and on the shared
    libraries its files link (libc6, libstdc++6, libcpp-httplib …), and on
    nothing that only building flowc needs (ANTLR, LLVM, Java);
  - its files: flowc, the runtime headers and libraries, the metrics module
    and the CMake package, all under /usr;
  - that they work on their own: extracted into a scratch root, the
    packaged flowc finds the packaged runtime (not this build tree's) and
    builds examples/worker_pool.flow and examples/sensor_windows.flow
    (JSON, maps), which run.
The install through apt on a new Debian root is
`scripts/check-fresh-machine.sh --deb` (it needs root and a mirror).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys


def run(args, **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"check_deb: `{' '.join(args)}` failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--version", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    env = dict(os.environ, FLOW_BUILD_DIR=os.path.abspath(a.build))
    deb = run([os.path.join(a.source, "scripts", "package-deb.sh"), "--no-build", a.work], env=env).split()[-1]
    name = os.path.basename(deb)
    assert re.fullmatch(rf"flow_{re.escape(a.version)}_[a-z0-9]+\.deb", name), name

    fields = {}
    for line in run(["dpkg-deb", "-f", deb]).splitlines():
        if ":" in line and not line.startswith(" "):
            k, v = line.split(":", 1)
            fields[k] = v.strip()
    assert fields["Package"] == "flow", fields
    assert fields["Version"] == a.version, fields
    depends = [d.strip() for d in fields["Depends"].split(",")]
    assert "clang (>= 1:14) | g++ (>= 4:12)" in depends, depends
    # What a generated program compiles and links against: map.h includes
    # tsl/robin_map.h; every program links -lcurl, a JSON decoder -lsimdjson.
    for dev in ["libcurl4-openssl-dev | libcurl-dev", "libsimdjson-dev", "robin-map-dev"]:
        assert dev in depends, f"no dependency on {dev}: {depends}"
    for lib in ["libc6", "libstdc++6", "libcpp-httplib"]:
        assert any(d.startswith(lib) for d in depends), f"no dependency on {lib}: {depends}"
    for d in depends:
        assert not re.search(r"antlr|llvm|java|jre|jdk", d, re.I), f"{d}: only building flowc needs it"
    print(f"ok {name}: Depends: {fields['Depends']}")

    files = {l.split()[-1] for l in run(["dpkg-deb", "-c", deb]).splitlines()}
    for f in ["./usr/bin/flowc", "./usr/include/flow/flow.h", "./usr/include/flow/detail/scheduler.h",
              "./usr/lib/libflow_runtime.a", "./usr/lib/libflow_runtime-nodebug.a",
              "./usr/lib/libflow_metrics_http.so", "./usr/lib/cmake/Flow/FlowConfig.cmake",
              "./usr/lib/cmake/Flow/FlowTargets.cmake", "./usr/lib/cmake/Flow/FlowAddPipeline.cmake"]:
        assert f in files, f"{f} is not in the package"
    assert all(f.startswith("./usr/") or f == "./" for f in files), sorted(files)[:5]
    print(f"ok {len(files)} paths, all under /usr")

    root = os.path.join(a.work, "root")
    run(["dpkg-deb", "-x", deb, root])
    flowc = os.path.join(root, "usr", "bin", "flowc")
    example = os.path.join(a.source, "examples", "worker_pool.flow")
    run([flowc, "fmt", "--check", example])
    prog = os.path.join(a.work, "worker_pool")
    out = subprocess.run([flowc, "build", example, "-o", prog, "--verbose"], capture_output=True, text=True,
                         env=dict(os.environ, XDG_CACHE_HOME=os.path.join(a.work, "cache")))
    assert out.returncode == 0, out.stderr
    runtime = os.path.join(root, "usr", "lib", "libflow_runtime-nodebug.a")
    assert runtime in out.stderr, f"the packaged flowc did not link the packaged runtime:\n{out.stderr}"
    lines = run([prog, "--jobs=7"]).splitlines()
    assert sorted(lines) == sorted(f"Processed job {i}" for i in range(7)), lines
    print("ok the packaged flowc builds examples/worker_pool.flow with the packaged runtime; it runs")

    # A program that decodes JSON (-lsimdjson) and keys its workers (the
    # runtime's map.h includes tsl/robin_map.h), every program with -lcurl.
    windows = os.path.join(a.work, "sensor_windows")
    out = subprocess.run([flowc, "build", os.path.join(a.source, "examples", "sensor_windows.flow"), "-o", windows],
                         capture_output=True, text=True,
                         env=dict(os.environ, XDG_CACHE_HOME=os.path.join(a.work, "cache")))
    assert out.returncode == 0, out.stderr
    with open(os.path.join(a.source, "examples", "readings.jsonl")) as readings:
        got = subprocess.run([windows], stdin=readings, capture_output=True, text=True)
    assert got.returncode == 0, got.stderr
    # How the readings fall into windows depends on real time; every sensor
    # with a good reading is in one.
    for sensor in ["attic", "boiler", "cellar"]:
        assert f'{{"sensor":"{sensor}",' in got.stdout, got.stdout
    print("ok the packaged flowc builds examples/sensor_windows.flow (simdjson, robin-map, libcurl); it runs")
    print("deb package: ok")


if __name__ == "__main__":
    main()
