"""Installs Flow to a fresh prefix and builds an outside project against it.

Usage (a ctest test, tests/CMakeLists.txt):
    python3 check_installed_package.py --build BUILD --source SRC --work DIR
                                       [--cxx COMPILER] [--generator NAME]

What a user does after `cmake --install build --prefix P`: a project of its
own (here examples/embed, copied out of the source tree) calls
find_package(Flow) with P on CMAKE_PREFIX_PATH and flowc_add_pipeline(), and
builds and runs. Checks, in order, each failing with a message that says
which:
  1. the installed package exports Flow::runtime and Flow::flowc and none of
     the build's internal targets (flow_warnings);
  2. the project configures with Flow found in P (not in the build tree) and
     the generation step runs P's flowc (Flow::flowc, not a flowc on PATH);
  3. it builds, and the program prints exactly the expected quotes and
     report, and the one expected error line on stderr.
Removes DIR first; leaves it behind for a look after a failure.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

EXPECTED_STDOUT = """Quote{id: 1, sku: "apple", total: 1.8}
Quote{id: 2, sku: "bread", total: 4.05}
Quote{id: 4, sku: "cheese", total: 6.3}
stage price: in 4, out 3, failed 1
exit code 0
"""
EXPECTED_STDERR = re.compile(r"\Aerror: stage price: item [0-9]+: unknown sku `caviar`\n\Z")


def fail(message, result=None):
    sys.stderr.write(f"check_installed_package: {message}\n")
    if result is not None:
        sys.stderr.write(result.stdout + result.stderr)
    sys.exit(1)


def step(what, cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail(f"{what} failed ({r.returncode}): {' '.join(cmd)}", r)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cxx")
    ap.add_argument("--generator", default="Ninja")
    args = ap.parse_args()

    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    prefix = os.path.join(work, "prefix")
    project = os.path.join(work, "project")
    build = os.path.join(work, "project-build")
    step("install", ["cmake", "--install", args.build, "--prefix", prefix])

    # 1. What the package exports.
    package_dir = os.path.join(prefix, "lib", "cmake", "Flow")
    targets = ""
    for name in sorted(os.listdir(package_dir)):
        if name.startswith("FlowTargets"):
            with open(os.path.join(package_dir, name)) as f:
                targets += f.read()
    for wanted in ("add_library(Flow::runtime STATIC IMPORTED)", "add_executable(Flow::flowc IMPORTED)"):
        if wanted not in targets:
            fail(f"the installed FlowTargets*.cmake lack `{wanted}`")
    if "flow_warnings" in targets:
        fail("the installed package exports the internal target flow_warnings")

    # 2. An outside project: a copy, so nothing resolves relative to the source tree.
    shutil.copytree(os.path.join(args.source, "examples", "embed"), project)
    # No flowc on PATH: only Flow::flowc can make the generation step work.
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not os.path.exists(os.path.join(p, "flowc")))
    env.pop("FLOWC_EXECUTABLE", None)
    configure = ["cmake", "-S", project, "-B", build, "-G", args.generator, f"-DCMAKE_PREFIX_PATH={prefix}",
                 "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF", "-DCMAKE_BUILD_TYPE=Release"]
    if args.cxx:
        configure.append(f"-DCMAKE_CXX_COMPILER={args.cxx}")
    step("configuring the outside project", configure, env)
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        cache = f.read()
    m = re.search(r"^Flow_DIR:PATH=(.*)$", cache, re.M)
    if not m or os.path.realpath(m.group(1)) != os.path.realpath(package_dir):
        fail(f"Flow was found in {m.group(1) if m else '(nowhere)'}, not in {package_dir}")
    if re.search(r"^FLOWC_EXECUTABLE:", cache, re.M):
        fail("flowc_add_pipeline() fell back to find_program(flowc) instead of Flow::flowc")
    r = step("listing the build commands", ["cmake", "--build", build, "--", "-t", "commands"]
             if args.generator == "Ninja" else ["cmake", "--build", build, "--target", "help"], env)
    installed_flowc = os.path.join(prefix, "bin", "flowc")
    if args.generator == "Ninja" and f"{installed_flowc} emit" not in r.stdout:
        fail(f"the generation step does not run {installed_flowc}:\n" +
             "\n".join(l for l in r.stdout.splitlines() if " emit " in l))

    # 3. Build and run.
    step("building the outside project", ["cmake", "--build", build, "-j", "2"], env)
    r = subprocess.run([os.path.join(build, "embed_host")], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail(f"embed_host exited with {r.returncode}", r)
    if r.stdout != EXPECTED_STDOUT:
        fail(f"embed_host printed:\n{r.stdout}expected:\n{EXPECTED_STDOUT}")
    if not EXPECTED_STDERR.match(r.stderr):
        fail(f"embed_host wrote to stderr:\n{r.stderr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
