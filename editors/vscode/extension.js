// extension.js — the Flow extension's client: starts `flowc lsp` (the
// language server built into the Flow compiler) for .flow files and talks
// to it over stdio. Everything the editor learns about a file — errors,
// hover, definitions, completion, formatting — comes from flowc; this file
// only starts it. Syntax colours come from syntaxes/flow.tmLanguage.json.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const flowc = vscode.workspace.getConfiguration("flow").get("flowcPath") || "flowc";
  const server = { command: flowc, args: ["lsp"] };
  client = new LanguageClient(
    "flow",
    "Flow language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "flow" }] }
  );
  context.subscriptions.push(client);
  client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `Flow: cannot start \`${flowc} lsp\` (${err.message}); set flow.flowcPath to the flowc executable.`
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
