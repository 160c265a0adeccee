// emit/emit_stmt.cpp — lowering of Flow statements (docs/language.md, "Stage
// bodies") inside a stage lambda: let/var/assign,
// if/for/while/break/continue/return, sends (`co_await ctx.send`, `ctx.trySend`
// for `try … else`), `sleep`, `fail`, calls. Each statement is preceded by a
// `#line` to its .flow line. `state` and `finally` are not lowered here:
// emit_pipeline.cpp splits them off the body and wires them as the runtime's
// per-worker state overloads.
#include <llvm/Support/Casting.h>

#include <utility>

#include "emit/emit_internal.h"

namespace flow::emit {

using llvm::cast;
using llvm::dyn_cast;
using TK = ast::Type::Kind;

namespace {

std::string maybeUnused(const Scope& s, const void* decl) {
  return s.isRead(decl) ? "" : "[[maybe_unused]] ";
}

/// The channel a send goes to: sema's target, else the name as written or
/// the stage's only output.
std::string sendTarget(const Scope& s, const ast::SendStmt& send) {
  if (send.target) return channelVar(send.target->name.name);
  if (send.channel) return channelVar(send.channel->name);
  if (s.stage && !s.stage->outputs.empty()) return channelVar(s.stage->outputs.front().name);
  return "c_";
}

const ast::Type* sendElementType(const Scope& s, const ast::SendStmt& send) {
  if (send.target) return send.target->elementType.resolved;
  for (const auto& ch : s.em.graph.channels()) {
    std::string want = send.channel
                           ? send.channel->name
                           : (s.stage && !s.stage->outputs.empty() ? s.stage->outputs.front().name : "");
    if (ch.name == want) return ch.elementType;
  }
  return nullptr;
}

/// True when values of `t` have a destructor (they hold a string or a list).
bool hasDestructor(const ast::Type* t) {
  if (!t) return false;
  if (t->is(TK::String) || t->is(TK::List) || t->is(TK::Map)) return true;
  if (const ast::TypeDecl* rec = t->record())
    for (const auto& f : rec->fields)
      if (hasDestructor(f.type.resolved)) return true;
  return false;
}

bool isSimpleBound(const ast::Expr& e) {
  if (llvm::isa<ast::IntLit>(e)) return true;
  if (auto* n = dyn_cast<ast::NameExpr>(&e))
    return n->ref.kind == ast::NameRef::Kind::Param || n->ref.kind == ast::NameRef::Kind::Const;
  return false;
}

void lowerStmt(Scope& s, CppWriter& w, const ast::Stmt& stmt);

void lowerNested(Scope& s, CppWriter& w, const ast::Block& block) {
  w.indent();
  lowerBlock(s, w, block);
  w.dedent();
}

/// A loop body opens with a preemption point (runtime/README.md,
/// "Preemption points"): the item's timeout, the run's cancellation and the
/// scheduler's check-ins reach a loop that never waits, and — one atomic
/// load — it keeps a loop without side effects from being undefined
/// behaviour that the C++ compiler may delete.
void lowerLoopBody(Scope& s, CppWriter& w, const ast::Block& block) {
  w.indent();
  w.line("flow::poll();");
  const std::string outerBreak = std::exchange(s.breakLabel, std::string());
  lowerBlock(s, w, block);
  s.breakLabel = outerBreak;
  w.dedent();
}

/// A range loop with a cheap body, strip-mined: one preemption point per
/// chunk (flow::pollChunkEnd) keeps the inner loop as tight as without one.
/// The bound is evaluated once, as always; `break` leaves both loops.
void lowerStripMined(Scope& s, CppWriter& w, const ast::ForStmt& st, bool hasBreak) {
  const std::string var = localName(st.var.name);
  const std::string end = s.temp();
  const std::string chunk = s.temp();
  w.line("for (std::int64_t " + var + " = " + lowerExpr(s, *st.iterable, true) + ", " + end + " = " +
         lowerExpr(s, *st.hi, true) + "; " + var + " < " + end + ";) {");
  w.indent();
  w.line("flow::poll();");
  w.line("for (const std::int64_t " + chunk + " = flow::pollChunkEnd(" + var + ", " + end + "); " + var +
         " < " + chunk + "; ++" + var + ") {");
  const std::string outerBreak = std::exchange(s.breakLabel, hasBreak ? s.temp() : std::string());
  const std::string label = s.breakLabel;
  lowerNested(s, w, st.body);
  s.breakLabel = outerBreak;
  w.line("}");
  w.dedent();
  w.line("}");
  if (!label.empty()) w.line(label + ":;");
}

void lowerIf(Scope& s, CppWriter& w, const ast::IfStmt& st, bool isElseIf) {
  std::string head = "if (" + lowerExpr(s, *st.cond, true) + ") {";
  if (isElseIf) {
    w.line("} else " + head);
  } else {
    w.line(head);
  }
  lowerNested(s, w, st.then);
  if (st.otherwise) {
    const ast::Block& other = *st.otherwise;
    if (other.stmts.size() == 1 && llvm::isa<ast::IfStmt>(*other.stmts[0])) {
      lowerIf(s, w, cast<ast::IfStmt>(*other.stmts[0]), true);
      return;
    }
    w.line("} else {");
    lowerNested(s, w, other);
  }
  // The last link of an if / else if chain closes it.
  w.line("}");
}

/// The declaration a place expression (`m`, `r.counts`, `xs[i]`) is rooted
/// at, or null for anything else (a call, a literal: a temporary).
const void* placeRoot(const ast::Expr& e) {
  if (auto* n = dyn_cast<ast::NameExpr>(&e)) return n->ref.decl != nullptr ? n->ref.decl : &e;
  if (auto* f = dyn_cast<ast::FieldExpr>(&e)) return placeRoot(*f->base);
  if (auto* i = dyn_cast<ast::IndexExpr>(&e)) return placeRoot(*i->base);
  return nullptr;
}

/// Whether `block` assigns to, or deletes from, something rooted at `root`.
bool writesRoot(const ast::Block& block, const void* root);
bool writesRoot(const ast::Stmt& stmt, const void* root) {
  switch (stmt.kind) {
    case ast::Stmt::Kind::Assign:
      return placeRoot(*cast<ast::AssignStmt>(stmt).target) == root;
    case ast::Stmt::Kind::Expr: {
      auto* c = dyn_cast<ast::CallExpr>(cast<ast::ExprStmt>(stmt).expr.get());
      return c && c->builtin == ast::Builtin::Delete && !c->args.empty() && placeRoot(*c->args[0]) == root;
    }
    case ast::Stmt::Kind::If: {
      const auto& i = cast<ast::IfStmt>(stmt);
      return writesRoot(i.then, root) || (i.otherwise && writesRoot(*i.otherwise, root));
    }
    case ast::Stmt::Kind::For:
      return writesRoot(cast<ast::ForStmt>(stmt).body, root);
    case ast::Stmt::Kind::While:
      return writesRoot(cast<ast::WhileStmt>(stmt).body, root);
    case ast::Stmt::Kind::Send: {
      const auto& send = cast<ast::SendStmt>(stmt);
      return send.otherwise && writesRoot(*send.otherwise, root);
    }
    default:
      return false;
  }
}
bool writesRoot(const ast::Block& block, const void* root) {
  for (const auto& st : block.stmts)
    if (writesRoot(*st, root)) return true;
  return false;
}

void lowerFor(Scope& s, CppWriter& w, const ast::ForStmt& st) {
  std::string var = localName(st.var.name);
  std::string unused = maybeUnused(s, &st);
  if (st.isRange()) {
    if (const LoopBodyCost cost = loopBodyCost(st.body); cost.cheap)
      return lowerStripMined(s, w, st, cost.hasBreak);
    std::string lo = lowerExpr(s, *st.iterable, true);
    std::string hi = lowerExpr(s, *st.hi, true);
    if (isSimpleBound(*st.hi)) {
      w.line("for (std::int64_t " + var + " = " + lo + "; " + var + " < " + hi + "; ++" + var + ") {");
    } else {
      // Go semantics: the bound is evaluated once.
      std::string end = s.temp();
      w.line("for (std::int64_t " + var + " = " + lo + ", " + end + " = " + hi + "; " + var + " < " + end +
             "; ++" + var + ") {");
    }
    lowerLoopBody(s, w, st.body);
    w.line("}");
    return;
  }
  const ast::Type* it = st.iterable->type;
  if (isKind(it, TK::Map)) {
    // Ascending key order. The entries are walked in place (pointers into
    // the map) unless the loop writes the map or the map is a temporary:
    // then over a sorted copy the loop owns.
    const void* root = placeRoot(*st.iterable);
    bool inPlace = root != nullptr && !writesRoot(st.body, root);
    std::string entry = s.temp();
    std::string source = lowerExpr(s, *st.iterable, true);
    std::string access = inPlace ? "->" : ".";
    w.line("for (const auto& " + entry + " : " +
           (inPlace ? "(" + source + ").sorted()" : "flow::sortedCopy(" + source + ")") + ") {");
    w.indent();
    w.line(unused + "const " + s.em.names.type(it->key()) + "& " + var + " = " + entry + access + "first;");
    if (st.second)
      w.line(maybeUnused(s, &*st.second) + "const " + s.em.names.type(it->element()) + "& " +
             localName(st.second->name) + " = " + entry + access + "second;");
    w.dedent();
    lowerLoopBody(s, w, st.body);
    w.line("}");
    return;
  }
  const ast::Type* elem = st.second ? st.secondType : st.varType;
  if (!elem && it) elem = it->element();
  std::string type = elem ? s.em.names.type(elem) : std::string("std::string");
  if (!st.second) {
    w.line("for (" + unused + "const " + type + "& " + var + " : " + lowerExpr(s, *st.iterable, true) +
           ") {");
  } else {
    // `for i, x in xs`: the index counts up at the top of each pass, so
    // `continue` keeps it right.
    std::string counter = s.temp();
    w.line("for (std::int64_t " + counter + " = 0; " + maybeUnused(s, &*st.second) + "const " + type + "& " +
           localName(st.second->name) + " : " + lowerExpr(s, *st.iterable, true) + ") {");
    w.indent();
    w.line(unused + "const std::int64_t " + var + " = " + counter + "++;");
    w.dedent();
  }
  lowerLoopBody(s, w, st.body);
  w.line("}");
}

/// Whether `e` names the variable `var` (a resolved local or state).
bool isVariable(const ast::Expr& e, const ast::NameExpr& var) {
  auto* n = dyn_cast<ast::NameExpr>(&e);
  return n != nullptr && var.ref.decl != nullptr && n->ref.kind == var.ref.kind &&
         n->ref.decl == var.ref.decl;
}

/// Whether `e` may read `var`; true for anything not looked into.
bool mentions(const ast::Expr& e, const ast::NameExpr& var) {
  auto any = [&](const std::vector<ast::ExprPtr>& xs) {
    for (const auto& x : xs)
      if (mentions(*x, var)) return true;
    return false;
  };
  switch (e.kind) {
    case ast::Expr::Kind::IntLit:
    case ast::Expr::Kind::FloatLit:
    case ast::Expr::Kind::BoolLit:
    case ast::Expr::Kind::DurationLit:
      return false;
    case ast::Expr::Kind::Name:
      return cast<ast::NameExpr>(e).name == var.name;
    case ast::Expr::Kind::StringLit:
      for (const auto& p : cast<ast::StringLit>(e).pieces)
        if (p.expr && mentions(*p.expr, var)) return true;
      return false;
    case ast::Expr::Kind::ListLit:
      return any(cast<ast::ListLit>(e).elements);
    case ast::Expr::Kind::Field:
      return mentions(*cast<ast::FieldExpr>(e).base, var);
    case ast::Expr::Kind::Index:
      return mentions(*cast<ast::IndexExpr>(e).base, var) || mentions(*cast<ast::IndexExpr>(e).index, var);
    case ast::Expr::Kind::Call:
      return any(cast<ast::CallExpr>(e).args);
    case ast::Expr::Kind::Unary:
      return mentions(*cast<ast::UnaryExpr>(e).operand, var);
    case ast::Expr::Kind::Binary:
      return mentions(*cast<ast::BinaryExpr>(e).lhs, var) || mentions(*cast<ast::BinaryExpr>(e).rhs, var);
    default:
      return true;
  }
}

/// `xs = append(xs, x)` and `s = s + a + b`: the old value dies in the
/// assignment, so the variable grows in place instead of being copied —
/// amortized O(1) per append, as in Go, where a copy per step would make a
/// loop quadratic. Returns false (nothing written) for any other form.
bool lowerGrowInPlace(Scope& s, CppWriter& w, const ast::AssignStmt& st, const std::string& target) {
  auto* var = dyn_cast<ast::NameExpr>(st.target.get());
  if (var == nullptr || st.op) return false;
  const ast::Type* tt = st.target->type;
  if (auto* call = dyn_cast<ast::CallExpr>(st.value.get())) {
    if (call->builtin != ast::Builtin::Append || call->args.size() != 2 ||
        !isVariable(*call->args[0], *var) || !tt || !tt->element())
      return false;
    // push_back copes with an element that aliases the list (`xs[0]`).
    w.line(target + ".push_back(" + lowerAs(s, *call->args[1], tt->element()) + ");");
    return true;
  }
  if (!isKind(tt, TK::String)) return false;
  // The operands after the leftmost, in order; each must not read the
  // variable, which is already longer when it is evaluated.
  std::vector<const ast::Expr*> tail;
  const ast::Expr* e = st.value.get();
  while (auto* b = dyn_cast<ast::BinaryExpr>(e)) {
    if (b->op != ast::BinaryOp::Add || !isKind(b->type, TK::String)) return false;
    if (mentions(*b->rhs, *var)) return false;
    tail.push_back(b->rhs.get());
    e = b->lhs.get();
  }
  if (tail.empty() || !isVariable(*e, *var)) return false;
  for (auto it = tail.rbegin(); it != tail.rend(); ++it)
    w.line("flow::format(" + target + ", " + lowerExpr(s, **it, true) + ");");
  return true;
}

void lowerAssign(Scope& s, CppWriter& w, const ast::AssignStmt& st) {
  if (lowerGrowInPlace(s, w, st, lowerTarget(s, *st.target))) return;
  const ast::Type* tt = st.target->type;
  std::string value = lowerAs(s, *st.value, tt);
  if (!st.op) {
    w.line(lowerTarget(s, *st.target) + " = " + value + ";");
    return;
  }
  std::string target = lowerTarget(s, *st.target);
  bool element = llvm::isa<ast::IndexExpr>(*st.target);
  if (element) {
    // One lookup for `m[k] += v`: the value first (it may read the map),
    // then a reference to the element (made from the zero value if missing).
    std::string v = s.temp();
    std::string ref = s.temp();
    w.line("{");
    w.indent();
    w.line("const " + s.em.names.type(tt) + " " + v + " = " + value + ";");
    w.line("auto& " + ref + " = " + target + ";");
    target = ref;
    value = v;
  }
  bool isInt = isKind(tt, TK::Int);
  std::string line;
  switch (*st.op) {
    case ast::BinaryOp::Add:
      line = isInt ? target + " = flow::wrap_add(" + target + ", " + value + ");"
                   : target + " += " + value + ";";
      break;
    case ast::BinaryOp::Sub:
      line = isInt ? target + " = flow::wrap_sub(" + target + ", " + value + ");"
                   : target + " -= " + value + ";";
      break;
    case ast::BinaryOp::Mul:
      line = isInt ? target + " = flow::wrap_mul(" + target + ", " + value + ");"
                   : target + " *= " + value + ";";
      break;
    case ast::BinaryOp::Div:
      line = isInt || isKind(tt, TK::Duration) ? target + " = flow::div(" + target + ", " + value + ");"
                                               : target + " /= " + value + ";";
      break;
    default:
      line = target + " = " + value + ";";
      break;
  }
  w.line(line);
  if (element) {
    w.dedent();
    w.line("}");
  }
}

void lowerSend(Scope& s, CppWriter& w, const ast::SendStmt& st) {
  std::string ch = sendTarget(s, st);
  const ast::Type* elem = sendElementType(s, st);
  // Never a bare string literal inside co_await: g++ 12 rejects array
  // temporaries in a coroutine frame ("array used as initializer").
  std::string value = elem ? lowerAs(s, *st.value, elem, /*typedTarget=*/false) : lowerExpr(s, *st.value);
  if (!st.isTry && s.plain) {
    w.line("ctx.post(" + ch + ", " + value + ");");
    return;
  }
  if (!st.isTry) {
    BodyFacts valueFacts;
    scanExpr(*st.value, valueFacts);
    bool isTemporary = !llvm::isa<ast::NameExpr>(*st.value);
    if (elem && isTemporary && (valueFacts.hasListLiteral || hasDestructor(elem))) {
      // g++ 12 miscompiles temporaries with a destructor inside a co_await
      // expression (destroyed twice when the send is held by `ordered`) and
      // rejects an initializer_list there ("array used as initializer"), so
      // such a value is built first and moved in.
      std::string tmp = s.temp();
      w.line(s.em.names.type(elem) + " " + tmp + " = " + value + ";");
      value = "std::move(" + tmp + ")";
    }
    w.line("co_await ctx.send(" + ch + ", " + value + ");");
    return;
  }
  if (!st.otherwise || st.otherwise->stmts.empty()) {
    w.line("static_cast<void>(ctx.trySend(" + ch + ", " + value + "));");
    return;
  }
  w.line("if (!ctx.trySend(" + ch + ", " + value + ")) {");
  lowerNested(s, w, *st.otherwise);
  w.line("}");
}

void lowerExprStmt(Scope& s, CppWriter& w, const ast::ExprStmt& st) {
  const ast::Expr& e = *st.expr;
  std::string text = lowerExpr(s, e, true);
  bool isVoid = !e.type || e.type->is(TK::Void);
  if (auto* c = dyn_cast<ast::CallExpr>(&e)) {
    if (c->builtin == ast::Builtin::Sleep || c->builtin == ast::Builtin::Print ||
        c->builtin == ast::Builtin::Eprint)
      isVoid = true;
  }
  w.line(isVoid ? text + ";" : "static_cast<void>(" + text + ");");
}

void lowerStmt(Scope& s, CppWriter& w, const ast::Stmt& stmt) {
  switch (stmt.kind) {
    case ast::Stmt::Kind::Let: {
      const auto& st = cast<ast::LetStmt>(stmt);
      const ast::Type* t = st.declType && st.declType->resolved ? st.declType->resolved : st.init->type;
      std::string type = s.em.names.type(t);
      w.line(maybeUnused(s, &st) + (st.isMutable ? "" : "const ") + type + " " + localName(st.name.name) +
             " = " + lowerAs(s, *st.init, t) + ";");
      return;
    }
    case ast::Stmt::Kind::Assign:
      return lowerAssign(s, w, cast<ast::AssignStmt>(stmt));
    case ast::Stmt::Kind::If:
      return lowerIf(s, w, cast<ast::IfStmt>(stmt), false);
    case ast::Stmt::Kind::For:
      return lowerFor(s, w, cast<ast::ForStmt>(stmt));
    case ast::Stmt::Kind::While: {
      const auto& st = cast<ast::WhileStmt>(stmt);
      w.line("while (" + lowerExpr(s, *st.cond, true) + ") {");
      lowerLoopBody(s, w, st.body);
      w.line("}");
      return;
    }
    case ast::Stmt::Kind::Break:
      return w.line(s.breakLabel.empty() ? "break;" : "goto " + s.breakLabel + ";");
    case ast::Stmt::Kind::Continue:
      return w.line("continue;");
    case ast::Stmt::Kind::Return: {
      const auto& st = cast<ast::ReturnStmt>(stmt);
      if (s.fn && st.value && s.fn->result)
        return w.line("return " + lowerAs(s, *st.value, s.fn->result->resolved) + ";");
      return w.line(s.plain ? "return;" : "co_return;");
    }
    case ast::Stmt::Kind::Send:
      return lowerSend(s, w, cast<ast::SendStmt>(stmt));
    case ast::Stmt::Kind::Fail: {
      const auto& st = cast<ast::FailStmt>(stmt);
      w.line(std::string(s.hasCtx ? "ctx.fail(" : "flow::fail(") + lowerExpr(s, *st.message, true) + ");");
      return;
    }
    case ast::Stmt::Kind::State:    // wired by emit_pipeline.cpp
    case ast::Stmt::Kind::Finally:  // wired by emit_pipeline.cpp
    case ast::Stmt::Kind::Every:    // wired by emit_pipeline.cpp
      return;
    case ast::Stmt::Kind::Expr:
      return lowerExprStmt(s, w, cast<ast::ExprStmt>(stmt));
  }
}

}  // namespace

void lowerStmts(Scope& s, CppWriter& w, const ast::Block& block, size_t from, size_t to) {
  for (size_t i = from; i < to && i < block.stmts.size(); ++i) {
    const ast::Stmt& stmt = *block.stmts[i];
    if (stmt.kind == ast::Stmt::Kind::State || stmt.kind == ast::Stmt::Kind::Finally ||
        stmt.kind == ast::Stmt::Kind::Every)
      continue;
    s.em.mapTo(w, stmt.range);
    lowerStmt(s, w, stmt);
  }
}

}  // namespace flow::emit
