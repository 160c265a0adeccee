#!/usr/bin/env bash
# tests/editors/check_vscode.sh — the VS Code extension (editors/vscode/),
# with the npm tools VS Code's own extensions use:
#   1. it packages: scripts/package-vscode.sh builds the .vsix with
#      @vscode/vsce (installing the pinned npm packages when they changed),
#      and the .vsix holds the manifest, the client, the grammar, the
#      language configuration and vscode-languageclient;
#   2. the TextMate grammar gives the scopes test/syntax.test.flow asserts
#      (vscode-tmgrammar-test), and colours every example and every valid
#      lit program as Flow's lexer reads them (test/check_examples.js);
#   3. the client starts `flowc lsp` as configured, and the JSON-RPC library
#      it is built on drives a real `flowc lsp` (test/client.test.js).
# Prints "vscode extension: ok" and exits 0 when all pass.
#
#   tests/editors/check_vscode.sh FLOWC WORKDIR
set -euo pipefail

FLOWC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
EXT="$ROOT/editors/vscode"
mkdir -p "$WORK"

echo "=== package"
"$ROOT/scripts/package-vscode.sh" "$WORK/flow-lang.vsix"
python3 - "$WORK/flow-lang.vsix" "$EXT" <<'PY'
import json, sys, zipfile
vsix, ext = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(vsix)
names = set(z.namelist())
for need in ["extension.vsixmanifest", "extension/package.json", "extension/extension.js",
             "extension/language-configuration.json", "extension/syntaxes/flow.tmLanguage.json",
             "extension/node_modules/vscode-languageclient/node.js"]:
    assert need in names, f"{need} missing from the .vsix"
assert not any(n.startswith("extension/test/") for n in names), "tests are packaged"
manifest = json.loads(z.read("extension/package.json"))
assert manifest["main"] == "./extension.js"
assert manifest["contributes"]["languages"][0]["extensions"] == [".flow"]
assert z.read("extension/syntaxes/flow.tmLanguage.json") == open(ext + "/syntaxes/flow.tmLanguage.json", "rb").read()
print(f"ok {vsix}: {len(names)} files")
PY

echo "=== grammar"
cd "$EXT"
./node_modules/.bin/vscode-tmgrammar-test -g syntaxes/flow.tmLanguage.json test/syntax.test.flow
node test/check_examples.js "$ROOT/grammar/FlowLexer.g4" "$ROOT/examples" "$ROOT/bench/workloads" \
  "$ROOT/tests/lit/run" "$ROOT/tests/lit/emit" "$ROOT/tests/lit/observe" "$ROOT/tests/lit/fmt" "$ROOT/tests/lit/lsp" \
  "$ROOT/tests/lit/test"

echo "=== client"
sed 's/  sink collect(r from done) {/  sink collect(r from dnoe) {/' "$ROOT/examples/worker_pool.flow" >"$WORK/worker_pool.flow"
node test/client.test.js "$FLOWC" "$WORK/worker_pool.flow" 25 22:19
echo "vscode extension: ok"
