# lit configuration of the Flow test suite. Tests are .flow files under
# tests/lit/ (and examples/, through tests/lit/examples/*.test). Substitutions:
#   %flowc      the built flowc
#   FileCheck   LLVM 14's FileCheck
#   %examples   the examples/ directory
#   %python     the Python interpreter
#   %expect_exit STATUS cmd…  runs cmd and requires that exact exit status
import os
import lit.formats

config.name = "Flow"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".flow", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in", "CMakeLists.txt", "README.md"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.flow_obj_root, "tests", "lit")

config.substitutions.append(("%flowc", config.flowc))
config.substitutions.append(("%examples", os.path.join(config.flow_src_root, "examples")))
config.substitutions.append(("%python", config.python))
config.substitutions.append(
    ("%expect_exit", config.python + " " + os.path.join(config.test_source_root, "Inputs", "expect_exit.py")))
config.substitutions.append(("%srcroot", config.flow_src_root))
config.environment["PATH"] = os.pathsep.join(
    [os.path.dirname(config.filecheck), os.path.dirname(config.flowc), config.environment.get("PATH", "")])
# Generated programs find the runtime through flowc; keep the user's compiler choice.
for var in ["CXX", "HOME", "FLOW_THREADS", "TMPDIR"]:
    if var in os.environ:
        config.environment[var] = os.environ[var]
