#!/usr/bin/env python3
"""`flowc lsp` reports what `flowc check` reports (docs/lsp.md).

Opens every .flow file given (directories are walked) in one `flowc lsp`
session and compares the diagnostics it publishes with what `flowc check`
prints for the same file (for a test file, those in the test file itself): the same diagnostics in the same order, each with
the same line, column (the protocol's UTF-16 column converted back to
bytes), severity, kind and message, and the same notes at the same places.
Prints `compared N files (D diagnostics), 0 mismatches`; exits 1 on any
mismatch, showing both sides.
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from check_fmt import walk  # noqa: E402
from lsp_client import Client, uri  # noqa: E402

LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note): (?P<msg>.*)$")
KIND = re.compile(r"^(?P<msg>.*) \[(?P<kind>\w+)\]$")


def check_output(flowc, path):
    p = subprocess.run([flowc, "check", path], capture_output=True, text=True)
    out = []
    keep = False  # the last diagnostic was this file's (its notes follow it)
    for line in p.stderr.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        # A test file's check covers the file it tests too; the server
        # publishes each file's own diagnostics.
        if m.group("sev") != "note":
            keep = os.path.abspath(m.group("file")) == os.path.abspath(path)
        if not keep:
            continue
        if m.group("sev") == "note":
            if out:
                out[-1]["notes"].append((int(m.group("line")), int(m.group("col")), m.group("msg")))
            continue
        k = KIND.match(m.group("msg"))
        out.append({"line": int(m.group("line")), "col": int(m.group("col")), "sev": m.group("sev"),
                    "kind": k.group("kind"), "msg": k.group("msg"), "notes": []})
    return out


def byte_col(lines, line, character):
    """1-based byte column of a 0-based line and UTF-16 character."""
    text = lines[line] if line < len(lines) else ""
    units = 0
    for i, ch in enumerate(text):
        if units >= character:
            return len(text[:i].encode()) + 1
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text.encode()) + 1


def lsp_output(client, path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    client.notify("textDocument/didOpen",
                  {"textDocument": {"uri": uri(path), "languageId": "flow", "version": 1, "text": text}})
    params = client.diagnostics()
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri(path)}})
    client.diagnostics()
    lines = text.split("\n")
    sev = {1: "error", 2: "warning"}
    out = []
    for d in params["diagnostics"]:
        s = d["range"]["start"]
        notes = []
        for r in d.get("relatedInformation", []):
            rs = r["location"]["range"]["start"]
            notes.append((rs["line"] + 1, byte_col(lines, rs["line"], rs["character"]), r["message"]))
        out.append({"line": s["line"] + 1, "col": byte_col(lines, s["line"], s["character"]),
                    "sev": sev[d["severity"]], "kind": d["code"], "msg": d["message"], "notes": notes})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowc", required=True)
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    client = Client(a.flowc)
    client.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    files = diags = 0
    mismatches = []
    for path in walk(a.paths):
        files += 1
        want = check_output(a.flowc, path)
        got = lsp_output(client, path)
        diags += len(want)
        if want != got:
            mismatches.append(f"{path}:\n  flowc check: {want}\n  flowc lsp:   {got}")
    client.request("shutdown", None)
    client.notify("exit", None)
    client.p.wait(timeout=30)
    for m in mismatches:
        print("MISMATCH: " + m, file=sys.stderr)
    print(f"compared {files} files ({diags} diagnostics), {len(mismatches)} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
