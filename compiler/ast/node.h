// ast/node.h — what every AST header shares: forward declarations, owning
// pointers, identifiers and written types. See ast.h for the whole tree.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast/types.h"
#include "source/source_range.h"

namespace flow::ast {

struct Block;
struct Expr;
struct TypeDecl;
struct ConstDecl;
struct ExternFn;
struct FnDecl;
struct FnParam;
struct ParamDecl;
struct ChannelDecl;
struct StageDecl;
struct PipelineDecl;
struct Stmt;

using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

/// Name of the placeholder the parser puts where error recovery left an
/// identifier or expression missing (an Ident, NameExpr or CallExpr callee with
/// this name). It only appears after a SyntaxError has been reported, and it
/// can never be written in source; later phases should treat it as already
/// diagnosed (give it the Error type, report nothing about it).
inline constexpr const char kErrorName[] = "<error>";

/// An identifier as written, with its place.
struct Ident {
  std::string name;
  SourceRange range;
};

/// A type as written: `int`, `Job`, `[string]`, `{string: int}`.
struct TypeRef {
  enum class Kind { Named, List, Map, Generic };
  Kind kind = Kind::Named;
  std::string name;                  // Named: `int`, `Job`, …; Generic: `Failed`
  std::unique_ptr<TypeRef> element;  // List: the element type; Map: the value type; Generic: the argument
  std::unique_ptr<TypeRef> key;      // Map: the key type
  SourceRange range;
  const Type* resolved = nullptr;  // sema
};

}  // namespace flow::ast
