// ast/ast.h — the abstract syntax tree of a .flow file. Built by parse/ from
// the ANTLR parse tree (ANTLR types never appear here), every node carries the
// SourceRange of the text it came from. Sema fills the `// sema:` annotation
// fields in place (types, resolved declarations); emit reads them. The tree
// does not check anything itself; sema/ does.
//
// Ownership: a Module owns its declarations; each node owns its children
// through std::unique_ptr. Annotation pointers are non-owning and point into
// the same Module (or into the TypeContext).
//
// RTTI: nodes have a `kind` and LLVM-style classof, so use llvm::isa,
// llvm::cast and llvm::dyn_cast from <llvm/Support/Casting.h>.
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

/// A type as written: `int`, `Job`, `[string]`.
struct TypeRef {
  enum class Kind { Named, List };
  Kind kind = Kind::Named;
  std::string name;                   // Named: `int`, `Job`, …
  std::unique_ptr<TypeRef> element;   // List: the element type
  SourceRange range;
  const Type* resolved = nullptr;     // sema
};

// ---------------------------------------------------------------- expressions

struct Expr {
  enum class Kind {
    IntLit, FloatLit, BoolLit, StringLit, DurationLit, ListLit, RecordLit,
    Name, Field, Index, Call, Unary, Binary,
  };
  const Kind kind;
  SourceRange range;
  const Type* type = nullptr;  // sema: never null after a successful check

  virtual ~Expr() = default;

 protected:
  Expr(Kind k, SourceRange r) : kind(k), range(r) {}
};

struct IntLit : Expr {
  std::int64_t value;  // parse: `_` removed, hex decoded, range-checked
  IntLit(std::int64_t v, SourceRange r) : Expr(Kind::IntLit, r), value(v) {}
  static bool classof(const Expr* e) { return e->kind == Kind::IntLit; }
};

struct FloatLit : Expr {
  double value;
  std::string spelling;  // as written, `_` removed (for readable emitted code)
  FloatLit(double v, std::string s, SourceRange r) : Expr(Kind::FloatLit, r), value(v), spelling(std::move(s)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::FloatLit; }
};

struct BoolLit : Expr {
  bool value;
  BoolLit(bool v, SourceRange r) : Expr(Kind::BoolLit, r), value(v) {}
  static bool classof(const Expr* e) { return e->kind == Kind::BoolLit; }
};

/// `"job {r.id} took {t}"`: literal text pieces (escapes decoded, `{{` → `{`)
/// interleaved with interpolated expressions. A plain string has one piece.
struct StringLit : Expr {
  struct Piece {
    std::string text;  // used when expr is null
    ExprPtr expr;      // an interpolated expression
  };
  std::vector<Piece> pieces;
  explicit StringLit(SourceRange r) : Expr(Kind::StringLit, r) {}
  /// True when there is no interpolation.
  [[nodiscard]] bool isPlain() const;
  /// The text of a plain string (concatenated pieces).
  [[nodiscard]] std::string plainText() const;
  static bool classof(const Expr* e) { return e->kind == Kind::StringLit; }
};

/// `50ms`, `1.5s`: value converted to whole nanoseconds by the parser.
struct DurationLit : Expr {
  std::int64_t nanoseconds;
  DurationLit(std::int64_t ns, SourceRange r) : Expr(Kind::DurationLit, r), nanoseconds(ns) {}
  static bool classof(const Expr* e) { return e->kind == Kind::DurationLit; }
};

struct ListLit : Expr {
  std::vector<ExprPtr> elements;
  explicit ListLit(SourceRange r) : Expr(Kind::ListLit, r) {}
  static bool classof(const Expr* e) { return e->kind == Kind::ListLit; }
};

/// `Job{id: i, processed: true}`.
struct RecordLit : Expr {
  struct FieldInit {
    Ident name;
    ExprPtr value;
  };
  Ident typeName;
  std::vector<FieldInit> fields;
  const TypeDecl* decl = nullptr;  // sema
  explicit RecordLit(SourceRange r) : Expr(Kind::RecordLit, r) {}
  static bool classof(const Expr* e) { return e->kind == Kind::RecordLit; }
};

/// What a name refers to; filled by sema.
struct NameRef {
  enum class Kind { Unresolved, Local, Param, Const, Worker, Item, State };
  Kind kind = Kind::Unresolved;
  const void* decl = nullptr;  // Local: LetStmt/ForStmt; Param: ParamDecl; Const: ConstDecl;
                               // State: StateStmt; Item: StageDecl; Worker: null
};

struct NameExpr : Expr {
  std::string name;
  NameRef ref;  // sema
  NameExpr(std::string n, SourceRange r) : Expr(Kind::Name, r), name(std::move(n)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Name; }
};

struct FieldExpr : Expr {
  ExprPtr base;
  Ident field;
  FieldExpr(ExprPtr b, Ident f, SourceRange r) : Expr(Kind::Field, r), base(std::move(b)), field(std::move(f)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Field; }
};

struct IndexExpr : Expr {
  ExprPtr base, index;
  IndexExpr(ExprPtr b, ExprPtr i, SourceRange r) : Expr(Kind::Index, r), base(std::move(b)), index(std::move(i)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Index; }
};

/// Built-in functions of §6, resolved by sema from the callee name.
enum class Builtin {
  None, Print, Eprint, Len, Str, Int, Float, Upper, Lower, Trim, Split, Join, Contains,
  StartsWith, EndsWith, Replace, Hash, Min, Max, Abs, Append, Now, ReadLines, Sleep,
};

struct CallExpr : Expr {
  Ident callee;
  std::vector<ExprPtr> args;
  Builtin builtin = Builtin::None;  // sema: set for a built-in
  const ExternFn* externFn = nullptr;  // sema: set for an extern function
  CallExpr(Ident c, SourceRange r) : Expr(Kind::Call, r), callee(std::move(c)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Call; }
};

enum class UnaryOp { Neg, Not, BitNot };

struct UnaryExpr : Expr {
  UnaryOp op;
  ExprPtr operand;
  UnaryExpr(UnaryOp o, ExprPtr e, SourceRange r) : Expr(Kind::Unary, r), op(o), operand(std::move(e)) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Unary; }
};

enum class BinaryOp {
  Add, Sub, Mul, Div, Rem, BitAnd, BitOr, BitXor, Shl, Shr,
  Eq, Ne, Lt, Le, Gt, Ge, And, Or,
};
[[nodiscard]] const char* spelling(BinaryOp op);
[[nodiscard]] const char* spelling(UnaryOp op);

struct BinaryExpr : Expr {
  BinaryOp op;
  ExprPtr lhs, rhs;
  SourceRange opRange;  // the operator token, for diagnostics
  BinaryExpr(BinaryOp o, ExprPtr l, ExprPtr r, SourceRange opR, SourceRange whole)
      : Expr(Kind::Binary, whole), op(o), lhs(std::move(l)), rhs(std::move(r)), opRange(opR) {}
  static bool classof(const Expr* e) { return e->kind == Kind::Binary; }
};

// ---------------------------------------------------------------- statements

struct Stmt {
  enum class Kind {
    Let, Assign, If, For, While, Break, Continue, Return, Send, Fail, State, Finally, Expr,
  };
  const Kind kind;
  SourceRange range;
  virtual ~Stmt() = default;

 protected:
  Stmt(Kind k, SourceRange r) : kind(k), range(r) {}
};

struct Block {
  std::vector<StmtPtr> stmts;
  SourceRange range;  // `{` … `}`
};

/// `let x = e` (isMutable false) or `var y = e` (true).
struct LetStmt : Stmt {
  Ident name;
  bool isMutable;
  ExprPtr init;
  LetStmt(Ident n, bool m, ExprPtr i, SourceRange r) : Stmt(Kind::Let, r), name(std::move(n)), isMutable(m), init(std::move(i)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Let; }
};

/// `y = e`, `y += e`, `-=`, `*=`, `/=`. `op` is nullopt for plain `=`.
struct AssignStmt : Stmt {
  ExprPtr target;  // a NameExpr (sema checks it names a `var` or `state`)
  std::optional<BinaryOp> op;
  ExprPtr value;
  AssignStmt(ExprPtr t, std::optional<BinaryOp> o, ExprPtr v, SourceRange r)
      : Stmt(Kind::Assign, r), target(std::move(t)), op(o), value(std::move(v)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Assign; }
};

struct IfStmt : Stmt {
  ExprPtr cond;
  Block then;
  std::unique_ptr<Block> otherwise;  // `else { … }`; `else if` is an IfStmt alone in this block
  IfStmt(ExprPtr c, Block t, SourceRange r) : Stmt(Kind::If, r), cond(std::move(c)), then(std::move(t)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::If; }
};

/// `for i in lo..hi { }` (range: hi set) or `for x in expr { }` (each: hi null;
/// `for line in read_lines(p)` is the each form over a CallExpr).
struct ForStmt : Stmt {
  Ident var;
  ExprPtr iterable;  // range: lo; each: the list (or read_lines call)
  ExprPtr hi;        // range only
  Block body;
  const Type* varType = nullptr;  // sema
  ForStmt(Ident v, ExprPtr it, ExprPtr h, Block b, SourceRange r)
      : Stmt(Kind::For, r), var(std::move(v)), iterable(std::move(it)), hi(std::move(h)), body(std::move(b)) {}
  [[nodiscard]] bool isRange() const { return hi != nullptr; }
  static bool classof(const Stmt* s) { return s->kind == Kind::For; }
};

struct WhileStmt : Stmt {
  ExprPtr cond;
  Block body;
  WhileStmt(ExprPtr c, Block b, SourceRange r) : Stmt(Kind::While, r), cond(std::move(c)), body(std::move(b)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::While; }
};

struct BreakStmt : Stmt {
  explicit BreakStmt(SourceRange r) : Stmt(Kind::Break, r) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Break; }
};
struct ContinueStmt : Stmt {
  explicit ContinueStmt(SourceRange r) : Stmt(Kind::Continue, r) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Continue; }
};
struct ReturnStmt : Stmt {
  explicit ReturnStmt(SourceRange r) : Stmt(Kind::Return, r) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Return; }
};

/// `emit e`, `ch <- e`, `try emit e else { }`, `try ch <- e else { }`.
struct SendStmt : Stmt {
  std::optional<Ident> channel;  // null for `emit`
  ExprPtr value;
  bool isTry = false;
  std::unique_ptr<Block> otherwise;  // the `else` block of a try-send
  const ChannelDecl* target = nullptr;  // sema: the channel sent to (also for emit)
  SendStmt(std::optional<Ident> ch, ExprPtr v, SourceRange r) : Stmt(Kind::Send, r), channel(std::move(ch)), value(std::move(v)) {}
  [[nodiscard]] bool isEmit() const { return !channel.has_value(); }
  static bool classof(const Stmt* s) { return s->kind == Kind::Send; }
};

struct FailStmt : Stmt {
  ExprPtr message;  // a string expression
  FailStmt(ExprPtr m, SourceRange r) : Stmt(Kind::Fail, r), message(std::move(m)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Fail; }
};

/// `state total = 0`: per-worker state (first statements of a body only).
struct StateStmt : Stmt {
  Ident name;
  ExprPtr init;
  StateStmt(Ident n, ExprPtr i, SourceRange r) : Stmt(Kind::State, r), name(std::move(n)), init(std::move(i)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::State; }
};

/// `finally { … }`: runs once per worker after its input is drained (last statement only).
struct FinallyStmt : Stmt {
  Block body;
  FinallyStmt(Block b, SourceRange r) : Stmt(Kind::Finally, r), body(std::move(b)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Finally; }
};

struct ExprStmt : Stmt {
  ExprPtr expr;
  ExprStmt(ExprPtr e, SourceRange r) : Stmt(Kind::Expr, r), expr(std::move(e)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Expr; }
};

// -------------------------------------------------------------- declarations

struct FieldDecl {
  Ident name;
  TypeRef type;
  ExprPtr defaultValue;  // may be null
};

/// `type Name { field: T [= default] … }`
struct TypeDecl {
  std::string name;
  SourceRange nameRange;
  SourceRange range;
  std::vector<FieldDecl> fields;
};

/// `const NAME = expr`
struct ConstDecl {
  Ident name;
  ExprPtr value;
  SourceRange range;
};

struct ExternParam {
  Ident name;
  TypeRef type;
};

/// `fn name(p: T, …) -> R` inside an extern block; no `-> R` means void.
struct ExternFn {
  Ident name;
  std::vector<ExternParam> params;
  std::optional<TypeRef> result;
  SourceRange range;
  std::string header;  // the block's header, copied for convenience
};

/// `extern "header.hpp" { fn … }`
struct ExternBlock {
  std::string header;
  SourceRange headerRange;
  std::vector<ExternFn> fns;
  SourceRange range;
};

/// `param n: int = 100`; no default makes the flag required.
struct ParamDecl {
  Ident name;
  TypeRef type;
  ExprPtr defaultValue;  // may be null
  SourceRange range;
};

enum class ChannelRole { Internal, Input, Output };  // channel / input / output
enum class Overflow { Block, DropNewest, DropOldest };

/// `channel ch: T[cap] [overflow P]`, `input ch: T[cap]`, `output ch: T[cap]`.
struct ChannelDecl {
  Ident name;
  ChannelRole role = ChannelRole::Internal;
  TypeRef elementType;
  ExprPtr capacity;
  Overflow overflow = Overflow::Block;
  SourceRange overflowRange;  // invalid when not written
  SourceRange range;
};

enum class OnError { Drop, Stop, Route };

/// One attribute as written; sema checks each appears at most once.
struct StageAttr {
  enum class Kind { Workers, Timeout, Retry, OnError, Ordered };
  Kind kind;
  ExprPtr value;             // Workers: N; Timeout: D; Retry: N
  ExprPtr backoff;           // Retry: optional D
  OnError onError = OnError::Drop;
  std::optional<Ident> routeChannel;  // OnError Route
  SourceRange range;
};

/// `source name -> outs ATTRS { }`, `stage name(x from ins) -> outs ATTRS { }`,
/// `sink name(x from ins) ATTRS { }`.
struct StageDecl {
  enum class Kind { Source, Stage, Sink };
  Kind kind;
  Ident name;
  std::optional<Ident> item;      // the name before `from` (stage, sink)
  std::vector<Ident> inputs;      // channels after `from`
  std::vector<Ident> outputs;     // channels after `->`
  std::vector<StageAttr> attrs;
  Block body;
  SourceRange range;

  // sema: resolved wiring
  std::vector<const ChannelDecl*> inputChannels;
  std::vector<const ChannelDecl*> outputChannels;
  const ChannelDecl* routeChannel = nullptr;
  const Type* itemType = nullptr;
};

/// One member of a pipeline, in source order.
struct PipelineMember {
  enum class Kind { Param, Deadline, Monitor, Channel, Stage };
  Kind kind;
  ParamDecl* param = nullptr;
  ChannelDecl* channel = nullptr;
  StageDecl* stage = nullptr;
  Expr* expr = nullptr;  // Deadline / Monitor
  SourceRange range;
};

struct PipelineDecl {
  Ident name;
  std::vector<std::unique_ptr<ParamDecl>> params;
  std::vector<std::unique_ptr<ChannelDecl>> channels;  // channel, input and output
  std::vector<std::unique_ptr<StageDecl>> stages;      // source, stage and sink
  ExprPtr deadline;  // may be null
  SourceRange deadlineRange;
  ExprPtr monitor;   // may be null
  SourceRange monitorRange;
  std::vector<PipelineMember> members;  // everything above, in source order (non-owning)
  SourceRange range;
};

/// One .flow file.
struct Module {
  std::string fileName;
  std::vector<std::unique_ptr<TypeDecl>> types;
  std::vector<std::unique_ptr<ConstDecl>> consts;
  std::vector<std::unique_ptr<ExternBlock>> externs;
  std::vector<std::unique_ptr<PipelineDecl>> pipelines;
  TypeContext typeContext;  // owns the sema types of this module
};

}  // namespace flow::ast
