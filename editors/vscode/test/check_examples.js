// test/check_examples.js — the TextMate grammar (syntaxes/flow.tmLanguage.json)
// on real programs: every .flow file given (directories are walked) is
// tokenized with vscode-textmate, as VS Code does, and each token is checked
// against what Flow's own lexer says it is:
//   - no token is `invalid`;
//   - every keyword of grammar/FlowLexer.g4 (read from that file, so a
//     keyword added to the language and not to this grammar fails here) is
//     coloured as a keyword wherever it stands outside strings and comments;
//   - every duration literal (`50ms`) is constant.numeric.duration;
//   - every `//` and `/* */` comment is a comment to its end;
//   - every string is a string, and every `{…}` interpolation inside one is
//     meta.interpolation (not string text).
// Usage: node test/check_examples.js FLOWLEXER.g4 PATH…
// Prints `checked N files (T tokens), 0 problems`; exits 1 on a problem.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm")).buffer;
const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));

const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async (scopeName) => {
    if (scopeName !== "source.flow") return null;
    const file = path.join(__dirname, "..", "syntaxes", "flow.tmLanguage.json");
    return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
  },
});

/// The keywords of the language: the literal rules of FlowLexer.g4 that are
/// lower-case words (`TYPE : 'type' ;`), true/false included.
function keywords(lexerFile) {
  const words = new Set();
  for (const m of fs.readFileSync(lexerFile, "utf8").matchAll(/^[A-Z_]+\s*:\s*'([a-z_]+)'\s*;/gm)) words.add(m[1]);
  return words;
}

function walk(p, out) {
  if (fs.statSync(p).isDirectory()) {
    for (const f of fs.readdirSync(p).sort()) walk(path.join(p, f), out);
  } else if (p.endsWith(".flow")) {
    out.push(p);
  }
  return out;
}

const has = (scopes, prefix) => scopes.some((s) => s === prefix || s.startsWith(prefix + "."));

async function main() {
  const [lexerFile, ...paths] = process.argv.slice(2);
  const words = keywords(lexerFile);
  if (words.size < 30) throw new Error(`only ${words.size} keywords found in ${lexerFile}`);
  const grammar = await registry.loadGrammar("source.flow");
  const files = paths.flatMap((p) => walk(p, []));
  const problems = [];
  let tokens = 0;
  for (const file of files) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    let state = vsctm.INITIAL;
    lines.forEach((line, n) => {
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      const where = (t) => `${file}:${n + 1}:${t.startIndex + 1}`;
      for (const t of r.tokens) {
        tokens++;
        const text = line.slice(t.startIndex, t.endIndex);
        const s = t.scopes;
        const inString = has(s, "string") && !has(s, "meta.interpolation");
        const inComment = has(s, "comment");
        if (s.some((x) => x.startsWith("invalid"))) problems.push(`${where(t)}: \`${text}\` is invalid (${s})`);
        if (inString || inComment) continue;
        // Words inside a token (a token may hold several when no rule splits them).
        for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
          const w = m[0];
          if (words.has(w) && !["keyword", "storage", "constant.language"].some((p) => has(s, p)))
            problems.push(`${where(t)}: keyword \`${w}\` is coloured ${s.join(" ")}`);
        }
        if (/^[0-9][0-9_]*(\.[0-9][0-9_]*)?(ns|us|ms|s|m|h)$/.test(text.trim()) &&
            !has(s, "constant.numeric.duration"))
          problems.push(`${where(t)}: duration \`${text}\` is coloured ${s.join(" ")}`);
      }
      // Comments run to the end of the line; strings and interpolations.
      const slash = lineCommentStart(line);
      if (slash >= 0) {
        for (const t of r.tokens)
          if (t.startIndex >= slash && !has(t.scopes, "comment"))
            problems.push(`${where(t)}: \`${line.slice(t.startIndex, t.endIndex)}\` in a comment is not a comment`);
      }
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (has(t.scopes, "string") && !has(t.scopes, "meta.interpolation") &&
            !has(t.scopes, "constant.character.escape") && text.includes("{"))
          problems.push(`${where(t)}: an interpolation is coloured as string text`);
      }
    });
  }
  for (const p of problems) console.error(p);
  console.log(`checked ${files.length} files (${tokens} tokens), ${problems.length} problems`);
  process.exit(problems.length ? 1 : 0);
}

/// Where a `//` comment starts on a line (outside strings), or -1.
function lineCommentStart(line) {
  let inString = false;
  let depth = 0;  // interpolation braces inside a string
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString && depth === 0) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      else if (c === "{" && line[i + 1] === "{") i++;
      else if (c === "{") depth = 1;
      continue;
    }
    if (inString) {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "/" && line[i + 1] === "/") return i;
    else if (c === "/" && line[i + 1] === "*") {
      const end = line.indexOf("*/", i + 2);
      if (end < 0) return -1;
      i = end + 1;
    }
  }
  return -1;
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
