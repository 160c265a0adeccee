// ast/stmt.h — statement nodes of the AST (the statements of docs/language.md,
// "Stage bodies") and Block. Part of ast.h; include that.
#pragma once

#include "ast/expr.h"

namespace flow::ast {

struct Stmt {
  enum class Kind {
    Let,
    Assign,
    If,
    For,
    While,
    Break,
    Continue,
    Return,
    Send,
    Fail,
    State,
    Every,
    Finally,
    Expr,
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

/// `let x = e` (isMutable false) or `var y = e` (true), with an optional
/// written type: `var seen: [string] = []`.
struct LetStmt : Stmt {
  Ident name;
  bool isMutable;
  ExprPtr init;
  std::optional<TypeRef> declType;
  LetStmt(Ident n, bool m, ExprPtr i, SourceRange r)
      : Stmt(Kind::Let, r), name(std::move(n)), isMutable(m), init(std::move(i)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Let; }
};

/// `y = e`, `y += e`, `-=`, `*=`, `/=`. `op` is nullopt for plain `=`.
struct AssignStmt : Stmt {
  ExprPtr target;  // a NameExpr, or an IndexExpr `m[k]` / `xs[i]` over one (sema
                   // checks the name is a `var` or `state`)
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
/// `for line in read_lines(p)` is the each form over a CallExpr). With two
/// names, `for k, v in m` walks a map's keys and values in ascending key
/// order and `for i, x in xs` a list's indices and elements.
struct ForStmt : Stmt {
  Ident var;
  std::optional<Ident> second;  // `v` of `for k, v in m`
  ExprPtr iterable;             // range: lo; each: the list, map (or read_lines call)
  ExprPtr hi;                   // range only
  Block body;
  const Type* varType = nullptr;     // sema
  const Type* secondType = nullptr;  // sema
  ForStmt(Ident v, ExprPtr it, ExprPtr h, Block b, SourceRange r)
      : Stmt(Kind::For, r),
        var(std::move(v)),
        iterable(std::move(it)),
        hi(std::move(h)),
        body(std::move(b)) {}
  [[nodiscard]] bool isRange() const { return hi != nullptr; }
  static bool classof(const Stmt* s) { return s->kind == Kind::For; }
};

struct WhileStmt : Stmt {
  ExprPtr cond;
  Block body;
  WhileStmt(ExprPtr c, Block b, SourceRange r)
      : Stmt(Kind::While, r), cond(std::move(c)), body(std::move(b)) {}
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
/// `return` or `return e` (the value only in a function with a result).
struct ReturnStmt : Stmt {
  ExprPtr value;  // may be null
  ReturnStmt(ExprPtr v, SourceRange r) : Stmt(Kind::Return, r), value(std::move(v)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Return; }
};

/// `emit e`, `ch <- e`, `try emit e else { }`, `try ch <- e else { }`.
struct SendStmt : Stmt {
  std::optional<Ident> channel;  // null for `emit`
  ExprPtr value;
  bool isTry = false;
  std::unique_ptr<Block> otherwise;     // the `else` block of a try-send
  const ChannelDecl* target = nullptr;  // sema: the channel sent to (also for emit)
  SendStmt(std::optional<Ident> ch, ExprPtr v, SourceRange r)
      : Stmt(Kind::Send, r), channel(std::move(ch)), value(std::move(v)) {}
  [[nodiscard]] bool isEmit() const { return !channel.has_value(); }
  static bool classof(const Stmt* s) { return s->kind == Kind::Send; }
};

struct FailStmt : Stmt {
  ExprPtr message;  // a string expression
  FailStmt(ExprPtr m, SourceRange r) : Stmt(Kind::Fail, r), message(std::move(m)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Fail; }
};

/// `state total = 0`: per-worker state (first statements of a body only),
/// with an optional written type: `state counts: {string: int} = {}`.
struct StateStmt : Stmt {
  Ident name;
  ExprPtr init;
  std::optional<TypeRef> declType;
  StateStmt(Ident n, ExprPtr i, SourceRange r)
      : Stmt(Kind::State, r), name(std::move(n)), init(std::move(i)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::State; }
};

/// `every D { … }`: runs on each worker every D, between items, and once more
/// after the input is drained (the last statement, or the last before `finally`).
struct EveryStmt : Stmt {
  ExprPtr period;
  Block body;
  EveryStmt(ExprPtr p, Block b, SourceRange r)
      : Stmt(Kind::Every, r), period(std::move(p)), body(std::move(b)) {}
  static bool classof(const Stmt* s) { return s->kind == Kind::Every; }
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

}  // namespace flow::ast
