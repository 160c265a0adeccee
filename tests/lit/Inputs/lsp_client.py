#!/usr/bin/env python3
"""A scripted Language Server Protocol client for `flowc lsp` (docs/lsp.md).

Starts `flowc lsp`, initializes it, runs the steps given on the command line
in order, shuts it down, and prints what it got in a stable, readable form
for FileCheck. Positions are written and printed 1-based (line:column, as in
flowc's diagnostics; columns count UTF-16 code units, as the protocol does).

Steps:
  open FILE              didOpen FILE; prints the diagnostics published
  change FILE NEWTEXT    didChange: FILE now holds the text of NEWTEXT
  close FILE             didClose
  hover FILE L:C         prints the hover text (each line prefixed `| `, its
                         leading spaces shown as `.`)
  definition FILE L:C    prints FILE:L:C-L:C of the declaration
  complete FILE L:C      prints each completion item: label, kind, detail
  format FILE            prints the document after the formatting edits
  raw TEXT               sends TEXT as a message body as it is; prints the next
                         response
  request METHOD JSON    sends a request with those params; prints the reply
Every reply and notification the server sends is also checked to be JSON-RPC
2.0. Exits 1 if the server exits with another status than 0 after
shutdown/exit, or if a request gets no reply.
"""
import json
import os
import subprocess
import sys


class Client:
    def __init__(self, flowc):
        self.p = subprocess.Popen([flowc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0
        self.texts = {}
        self.pending = []  # notifications read while waiting for a reply

    def send_body(self, body):
        data = body.encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.p.stdin.flush()

    def send(self, obj):
        self.send_body(json.dumps(obj))

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        msg = json.loads(self.p.stdout.read(length))
        assert msg.get("jsonrpc") == "2.0", msg
        return msg

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.wait_reply(self.next_id)

    def wait_reply(self, rid):
        while True:
            msg = self.read()
            if msg is None:
                print(f"no reply to request {rid}")
                sys.exit(1)
            if "method" in msg:
                self.pending.append(msg)
                continue
            if msg.get("id") == rid:
                return msg

    def wait_response(self):
        """The next response, whatever its id."""
        while True:
            msg = self.read()
            if msg is None:
                print("no response")
                sys.exit(1)
            if "method" in msg:
                self.pending.append(msg)
                continue
            return msg

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self):
        """The next publishDiagnostics notification."""
        while True:
            msg = self.pending.pop(0) if self.pending else self.read()
            if msg is None:
                print("no diagnostics")
                sys.exit(1)
            if msg.get("method") == "textDocument/publishDiagnostics":
                return msg["params"]


def uri(path):
    return "file://" + os.path.abspath(path)


def pos(spec):
    line, col = spec.split(":")
    return {"line": int(line) - 1, "character": int(col) - 1}


def show_pos(p):
    return f"{p['line'] + 1}:{p['character'] + 1}"


def show_range(r):
    return f"{show_pos(r['start'])}-{show_pos(r['end'])}"


def print_diagnostics(params):
    name = os.path.basename(params["uri"])
    print(f"diagnostics {name}: {len(params['diagnostics'])}")
    sev = {1: "error", 2: "warning", 3: "note", 4: "hint"}
    for d in params["diagnostics"]:
        print(f"  {show_range(d['range'])} {sev[d['severity']]} [{d['code']}] {d['message']}")
        for r in d.get("relatedInformation", []):
            loc = r["location"]
            print(f"    note {os.path.basename(loc['uri'])}:{show_range(loc['range'])} {r['message']}")


def apply_edits(text, edits):
    lines = text.split("\n")

    def offset(p):
        return sum(len(l) + 1 for l in lines[:p["line"]]) + p["character"]

    for e in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        a, b = offset(e["range"]["start"]), offset(e["range"]["end"])
        text = text[:a] + e["newText"] + text[b:]
    return text


def main():
    args = sys.argv[1:]
    assert args[0] == "--flowc"
    c = Client(args[1])
    steps = args[2:]
    r = c.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
    caps = r["result"]["capabilities"]
    print("capabilities: " + ", ".join(sorted(k for k, v in caps.items() if v)))
    c.notify("initialized", {})
    i = 0
    while i < len(steps):
        op = steps[i]
        if op == "open":
            path = steps[i + 1]
            text = open(path).read()
            c.texts[path] = text
            c.notify("textDocument/didOpen",
                     {"textDocument": {"uri": uri(path), "languageId": "flow", "version": 1, "text": text}})
            print_diagnostics(c.diagnostics())
            i += 2
        elif op == "change":
            path, new = steps[i + 1], steps[i + 2]
            text = open(new).read()
            c.texts[path] = text
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": 2},
                                                "contentChanges": [{"text": text}]})
            print_diagnostics(c.diagnostics())
            i += 3
        elif op == "close":
            path = steps[i + 1]
            c.notify("textDocument/didClose", {"textDocument": {"uri": uri(path)}})
            print_diagnostics(c.diagnostics())
            i += 2
        elif op in ("hover", "definition", "complete"):
            path, at = steps[i + 1], steps[i + 2]
            method = {"hover": "textDocument/hover", "definition": "textDocument/definition",
                      "complete": "textDocument/completion"}[op]
            r = c.request(method, {"textDocument": {"uri": uri(path)}, "position": pos(at)})
            res = r.get("result")
            if "error" in r:
                print(f"{op} {at}: error {r['error']['code']}: {r['error']['message']}")
            elif res is None:
                print(f"{op} {at}: null")
            elif op == "hover":
                print(f"hover {at}: {show_range(res['range'])}")
                for line in res["contents"]["value"].split("\n"):
                    # Leading spaces shown as `.`, so FileCheck sees indentation.
                    body = line.lstrip(" ")
                    print("|" + (" " + "." * (len(line) - len(body)) + body if line else ""))
            elif op == "definition":
                print(f"definition {at}: {os.path.basename(res['uri'])}:{show_range(res['range'])}")
            else:
                print(f"complete {at}: {len(res['items'])} items")
                for item in res["items"]:
                    print(f"  {item['label']} ({item['kind']}) {item.get('detail', '')}".rstrip())
            i += 3
        elif op == "format":
            path = steps[i + 1]
            r = c.request("textDocument/formatting",
                          {"textDocument": {"uri": uri(path)}, "options": {"tabSize": 2, "insertSpaces": True}})
            if "error" in r:
                print(f"format: error {r['error']['code']}: {r['error']['message']}")
            else:
                print(f"format: {len(r['result'])} edits")
                sys.stdout.write(apply_edits(c.texts[path], r["result"]))
            i += 2
        elif op == "raw":
            c.send_body(steps[i + 1])
            print("raw: " + json.dumps(c.wait_response(), sort_keys=True))
            i += 2
        elif op == "request":
            r = c.request(steps[i + 1], json.loads(steps[i + 2]))
            r.pop("id", None)
            print(f"request {steps[i + 1]}: " + json.dumps(r, sort_keys=True))
            i += 3
        else:
            print(f"unknown step {op}")
            return 2
    r = c.request("shutdown", None)
    c.notify("exit", None)
    status = c.p.wait(timeout=30)
    print(f"exit {status}")
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
