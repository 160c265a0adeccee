// test/client.test.js — the extension's client, outside VS Code:
//   1. extension.js, activated with a stand-in for the `vscode` module and
//      for vscode-languageclient's LanguageClient, starts `<flow.flowcPath>
//      lsp` over stdio for `flow` documents, and stops it on deactivate;
//   2. vscode-jsonrpc — the JSON-RPC library under vscode-languageclient —
//      drives a real `flowc lsp`: initialize, open a file with a mistake,
//      get flowc's diagnostic at its line, hover, format, shut down.
// Usage: node test/client.test.js FLOWC FILE.flow LINE HOVER_LINE:COL
// Prints one `ok …` line per check; exits 1 at the first failure.
"use strict";

const assert = require("assert");
const childProcess = require("child_process");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const [flowc, file, line, hoverAt] = process.argv.slice(2);

async function activateWithStubs() {
  const started = [];
  let stopped = 0;
  class FakeLanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions });
    }
    start() {
      started.push(this);
      return Promise.resolve();
    }
    stop() {
      stopped++;
      return Promise.resolve();
    }
    dispose() {}
  }
  const fakeVscode = {
    workspace: { getConfiguration: (section) => ({ get: (key) => (section === "flow" && key === "flowcPath" ? "/opt/flow/bin/flowc" : undefined) }) },
    window: { showErrorMessage: (m) => assert.fail("unexpected error message: " + m) },
  };
  const realLoad = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request === "vscode") return fakeVscode;
    if (request === "vscode-languageclient/node") return { LanguageClient: FakeLanguageClient };
    return realLoad.apply(this, arguments);
  };
  try {
    const ext = require(path.join(__dirname, "..", "extension.js"));
    const context = { subscriptions: [] };
    ext.activate(context);
    assert.strictEqual(started.length, 1, "one client started");
    const c = started[0];
    for (const mode of ["run", "debug"]) {
      assert.strictEqual(c.serverOptions[mode].command, "/opt/flow/bin/flowc");
      assert.deepStrictEqual(c.serverOptions[mode].args, ["lsp"]);
    }
    assert.deepStrictEqual(c.clientOptions.documentSelector, [{ scheme: "file", language: "flow" }]);
    assert.ok(context.subscriptions.includes(c), "the client is disposed with the extension");
    await ext.deactivate();
    assert.strictEqual(stopped, 1, "deactivate stops the client");
    console.log("ok extension.js starts `flowc lsp` from flow.flowcPath for flow documents");
  } finally {
    Module._load = realLoad;
  }
}

async function realSession() {
  const rpc = require("vscode-jsonrpc/node");
  const server = childProcess.spawn(flowc, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  const diagnostics = new Promise((resolve) => conn.onNotification("textDocument/publishDiagnostics", resolve));
  conn.listen();
  const init = await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  assert.ok(init.capabilities.hoverProvider && init.capabilities.documentFormattingProvider);
  conn.sendNotification("initialized", {});
  const uri = "file://" + path.resolve(file);
  const text = fs.readFileSync(file, "utf8");
  conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "flow", version: 1, text } });
  const published = await diagnostics;
  assert.strictEqual(published.uri, uri);
  const lines = published.diagnostics.map((d) => d.range.start.line + 1);
  assert.ok(lines.includes(Number(line)), `a diagnostic on line ${line}; got lines ${lines}`);
  const d = published.diagnostics.find((x) => x.range.start.line + 1 === Number(line));
  console.log(`ok diagnostic ${line}:${d.range.start.character + 1} [${d.code}] ${d.message}`);
  const [hl, hc] = hoverAt.split(":").map(Number);
  const hover = await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: hl - 1, character: hc - 1 } });
  assert.ok(hover, `a hover at ${hoverAt}`);
  console.log(`ok hover ${hoverAt}: ` + hover.contents.value.split("\n").filter((l) => !l.startsWith("```")).join(" / "));
  const edits = await conn.sendRequest("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
  console.log(`ok formatting: ${edits.length} edits`);
  await conn.sendRequest("shutdown");
  conn.sendNotification("exit");
  const status = await new Promise((resolve) => server.on("exit", resolve));
  assert.strictEqual(status, 0);
  conn.dispose();
  console.log("ok flowc lsp exited with status 0");
}

(async () => {
  await activateWithStubs();
  await realSession();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
