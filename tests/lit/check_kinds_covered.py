"""Fails when a diagnostic kind has no lit test that expects it.

Usage: check_kinds_covered.py DEF_FILE TEST_ROOT [TEST_ROOT …]

Reads every `DIAG(Kind, Severity)` of compiler/diag/diagnostic_kinds.def and
looks, in the FileCheck lines (CHECK:, CHECK-NEXT:, a custom prefix such as
UNKNOWN:, … but not -NOT:) of every *.flow and *.test file under the roots,
for the rendered tag `[Kind]`. An
error kind must be expected by a test whose file name starts with `fail_`,
a warning kind by one whose name starts with `warn_` (tests/README.md).
Prints every kind without a test and exits 1 if there is one.
"""
import pathlib
import re
import sys

DIAG = re.compile(r"^\s*DIAG\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.M)
CHECK = re.compile(r"(?://|#)\s*([A-Z][A-Z0-9_]*)(-[A-Z]+(?:-\d+)?)?:(.*)")
TAG = re.compile(r"\[(\w+)\]")


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    kinds = DIAG.findall(pathlib.Path(argv[1]).read_text())
    expected = {}  # kind -> set of test-name prefixes that expect it
    for root in argv[2:]:
        for path in sorted(pathlib.Path(root).rglob("*")):
            if path.suffix not in (".flow", ".test") or not path.is_file():
                continue
            prefix = path.name.split("_", 1)[0]
            for line in path.read_text(errors="replace").splitlines():
                m = CHECK.search(line)
                if not m or m.group(1) == "RUN" or m.group(2) == "-NOT":
                    continue
                for tag in TAG.findall(m.group(3)):
                    expected.setdefault(tag, set()).add(prefix)
    missing = []
    for kind, severity in kinds:
        want = "warn" if severity == "Warning" else "fail"
        if want not in expected.get(kind, set()):
            missing.append(f"{kind} ({severity}): no {want}_*.flow or {want}_*.test expects `[{kind}]`")
    for m in missing:
        print(f"check_kinds_covered: {m}")
    print(f"check_kinds_covered: {len(kinds) - len(missing)} of {len(kinds)} kinds have a test")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
