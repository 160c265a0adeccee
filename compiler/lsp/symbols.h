// lsp/symbols.h — the names of a checked module, for the language server:
// every place a name is written (declared or used) with what it refers to,
// its declaration and a description for hover; and the names visible at a
// place, for completion. Read from the AST and sema's annotations; a part
// sema could not annotate (it had a syntax error) contributes what the
// parser saw. Does not speak the protocol (server.cpp does).
#pragma once

#include <llvm/Support/SourceMgr.h>

#include <cstddef>
#include <string>
#include <vector>

#include "ast/ast.h"

namespace flow::lsp {

/// A span of one buffer of the SourceMgr; buffer 0 means nowhere (a built-in).
struct Place {
  unsigned buffer = 0;
  std::size_t begin = 0, end = 0;  // byte offsets
  [[nodiscard]] bool isValid() const { return buffer != 0; }
};

enum class SymbolKind {
  Pipeline,
  Channel,
  Stage,
  Param,
  Const,
  Type,
  Field,
  Local,
  State,
  Item,
  Worker,
  Function,
  ExternFunction,
  Builtin,
  FnParam,
};

struct Symbol {
  Place at;  // where this occurrence is written
  SymbolKind kind;
  std::string name;
  std::string detail;               // a Markdown description: the declaration, a type, …
  Place decl;                       // the name at its declaration (invalid for a built-in or `worker`)
  const ast::Type* type = nullptr;  // the value's type, when it has one
};

/// Every name written in the module, in no particular order.
[[nodiscard]] std::vector<Symbol> indexModule(const ast::Module& module, const llvm::SourceMgr& sources);

/// The names a program may use at byte `offset` of buffer `buffer`:
/// locals and loop variables declared before it in the enclosing blocks,
/// the item, `worker` and `state` in a stage body, the pipeline's params,
/// channels and stages, and the module's consts, functions, types and the
/// built-ins. Innermost first; a shadowed name appears once.
[[nodiscard]] std::vector<Symbol> namesInScope(const ast::Module& module, const llvm::SourceMgr& sources,
                                               unsigned buffer, std::size_t offset);

/// The record type of `x` in the member access `x.NAME` whose NAME starts
/// at byte `offset` of buffer `buffer`, or null (no such access, or `x` is
/// not a record).
[[nodiscard]] const ast::TypeDecl* recordOfMemberAt(const ast::Module& module, const llvm::SourceMgr& sources,
                                                    unsigned buffer, std::size_t offset);

}  // namespace flow::lsp
