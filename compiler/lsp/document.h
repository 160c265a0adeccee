// lsp/document.h — one open document as the language server sees it: its
// text, and the analysis of that text (parse, check, symbols) redone when
// the text changes, exactly as `flowc check` would do it. Answers the
// requests about one document as protocol JSON (docs/lsp.md). Does not read
// or write messages: server.cpp does.
#pragma once

#include <llvm/Support/JSON.h>
#include <llvm/Support/SourceMgr.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "diag/diagnostics.h"
#include "lsp/symbols.h"

namespace flow::lsp {

class Document {
 public:
  Document(std::string uri, std::string text);
  void setText(std::string text);
  [[nodiscard]] const std::string& uri() const { return uri_; }

  /// textDocument/publishDiagnostics parameters: every diagnostic `flowc
  /// check` reports for the text, with its message and kind.
  [[nodiscard]] llvm::json::Value diagnostics() const;
  /// textDocument/hover: what the name at the position is, or null.
  [[nodiscard]] llvm::json::Value hover(int line, int character) const;
  /// textDocument/definition: where the name at the position is declared,
  /// or null.
  [[nodiscard]] llvm::json::Value definition(int line, int character) const;
  /// textDocument/completion: the names in scope at the position, or after
  /// `x.` the fields of x's record type.
  [[nodiscard]] llvm::json::Value completion(int line, int character) const;
  /// textDocument/formatting: one edit that replaces the text with its
  /// `flowc fmt` layout (none when it is already so); std::nullopt when
  /// the text has a syntax error.
  [[nodiscard]] std::optional<llvm::json::Value> formatting() const;

  /// A parse and check of one text.
  struct Analysis {
    llvm::SourceMgr sources;
    std::unique_ptr<DiagnosticEngine> diags;
    std::unique_ptr<ast::Module> module;
    unsigned buffer = 0;
    std::vector<Symbol> symbols;
  };

 private:
  [[nodiscard]] std::unique_ptr<Analysis> analyze(const std::string& text) const;
  /// The symbol written at `offset` of this document, or null.
  [[nodiscard]] const Symbol* symbolAt(std::size_t offset) const;
  /// A protocol Location of `p` (this document or another buffer).
  [[nodiscard]] llvm::json::Value location(const Analysis& a, const Place& p) const;

  std::string uri_;
  std::string path_;
  std::string text_;
  std::unique_ptr<Analysis> analysis_;
};

}  // namespace flow::lsp
