// emit/emit_scan.cpp — a read-only walk over a body before it is lowered:
// which locals are read, whether the item, params, state or the Context are
// used. The lowering uses these facts to mark declarations [[maybe_unused]]
// exactly where -Wall -Wextra would otherwise warn. Also whether a loop body
// is cheap enough that its preemption point may come once per chunk of
// iterations (loopBodyCost). Emits nothing.
#include <llvm/Support/Casting.h>

#include "emit/emit_internal.h"

namespace flow::emit {

using llvm::cast;
using llvm::dyn_cast;

void scanExpr(const ast::Expr& expr, BodyFacts& f) {
  switch (expr.kind) {
    case ast::Expr::Kind::IntLit:
    case ast::Expr::Kind::FloatLit:
    case ast::Expr::Kind::BoolLit:
    case ast::Expr::Kind::DurationLit:
      return;
    case ast::Expr::Kind::StringLit:
      for (const auto& p : cast<ast::StringLit>(expr).pieces)
        if (p.expr) scanExpr(*p.expr, f);
      return;
    case ast::Expr::Kind::ListLit:
      f.hasListLiteral = true;
      for (const auto& e : cast<ast::ListLit>(expr).elements) scanExpr(*e, f);
      return;
    case ast::Expr::Kind::MapLit:
      f.hasListLiteral = true;  // an initializer_list, like a list literal
      for (const auto& e : cast<ast::MapLit>(expr).entries) {
        scanExpr(*e.key, f);
        scanExpr(*e.value, f);
      }
      return;
    case ast::Expr::Kind::RecordLit:
      for (const auto& fi : cast<ast::RecordLit>(expr).fields) scanExpr(*fi.value, f);
      return;
    case ast::Expr::Kind::Name: {
      const auto& n = cast<ast::NameExpr>(expr);
      switch (n.ref.kind) {
        case ast::NameRef::Kind::Local:
        case ast::NameRef::Kind::FnParam:
          f.readDecls.insert(n.ref.decl);
          break;
        case ast::NameRef::Kind::State:
          f.readDecls.insert(n.ref.decl);
          f.usesState = true;
          break;
        case ast::NameRef::Kind::Param:
          f.usesParams = true;
          break;
        case ast::NameRef::Kind::Worker:
          f.usesCtx = true;
          break;
        case ast::NameRef::Kind::Item:
          f.usesItem = true;
          break;
        case ast::NameRef::Kind::Const:
        case ast::NameRef::Kind::Function:
        case ast::NameRef::Kind::Unresolved:
        case ast::NameRef::Kind::TestChannel:  // only in a test's `expect`, never in a body
        case ast::NameRef::Kind::TestStage:
        case ast::NameRef::Kind::TestResult:
          break;
      }
      return;
    }
    case ast::Expr::Kind::Field:
      scanExpr(*cast<ast::FieldExpr>(expr).base, f);
      return;
    case ast::Expr::Kind::Index: {
      const auto& e = cast<ast::IndexExpr>(expr);
      scanExpr(*e.base, f);
      scanExpr(*e.index, f);
      return;
    }
    case ast::Expr::Kind::Call: {
      const auto& c = cast<ast::CallExpr>(expr);
      switch (c.builtin) {
        case ast::Builtin::Sleep:
        case ast::Builtin::HttpGet:
        case ast::Builtin::HttpPost:
          f.usesCtx = true;
          f.hasSleep = true;  // waits: the body must be a coroutine
          break;
        case ast::Builtin::Now:
        case ast::Builtin::WriteLine:
        case ast::Builtin::RandInt:
        case ast::Builtin::RandFloat:
          f.usesCtx = true;
          break;
        case ast::Builtin::ToJson:
          f.usesToJson = true;
          break;
        case ast::Builtin::FromJson:
          f.usesFromJson = true;
          // The first argument is a type, not a value.
          for (size_t i = 1; i < c.args.size(); ++i) scanExpr(*c.args[i], f);
          return;
        default:
          break;
      }
      for (const auto& a : c.args) scanExpr(*a, f);
      return;
    }
    case ast::Expr::Kind::Unary:
      scanExpr(*cast<ast::UnaryExpr>(expr).operand, f);
      return;
    case ast::Expr::Kind::Binary: {
      const auto& b = cast<ast::BinaryExpr>(expr);
      scanExpr(*b.lhs, f);
      scanExpr(*b.rhs, f);
      return;
    }
  }
}

void scanStmt(const ast::Stmt& stmt, BodyFacts& f) {
  switch (stmt.kind) {
    case ast::Stmt::Kind::Let:
      scanExpr(*cast<ast::LetStmt>(stmt).init, f);
      return;
    case ast::Stmt::Kind::Assign: {
      const auto& a = cast<ast::AssignStmt>(stmt);
      // A name target is written, not read (g++/clang++ warn "set but not
      // used"), but a state target still needs the state object. An
      // element target `m[k]` reads its map and its key.
      if (auto* n = dyn_cast<ast::NameExpr>(a.target.get()); n && n->ref.kind == ast::NameRef::Kind::State)
        f.usesState = true;
      if (llvm::isa<ast::IndexExpr>(*a.target)) scanExpr(*a.target, f);
      scanExpr(*a.value, f);
      return;
    }
    case ast::Stmt::Kind::If: {
      const auto& s = cast<ast::IfStmt>(stmt);
      scanExpr(*s.cond, f);
      scanBlock(s.then, f);
      if (s.otherwise) scanBlock(*s.otherwise, f);
      return;
    }
    case ast::Stmt::Kind::For: {
      const auto& s = cast<ast::ForStmt>(stmt);
      scanExpr(*s.iterable, f);
      if (s.hi) scanExpr(*s.hi, f);
      ++f.loopDepth;
      scanBlock(s.body, f);
      --f.loopDepth;
      return;
    }
    case ast::Stmt::Kind::While: {
      const auto& s = cast<ast::WhileStmt>(stmt);
      scanExpr(*s.cond, f);
      ++f.loopDepth;
      scanBlock(s.body, f);
      --f.loopDepth;
      return;
    }
    case ast::Stmt::Kind::Send: {
      const auto& s = cast<ast::SendStmt>(stmt);
      f.usesCtx = true;
      if (!s.isTry && f.loopDepth > 0) f.sendInLoop = true;
      scanExpr(*s.value, f);
      if (s.otherwise) scanBlock(*s.otherwise, f);
      return;
    }
    case ast::Stmt::Kind::Fail:
      f.usesCtx = true;
      scanExpr(*cast<ast::FailStmt>(stmt).message, f);
      return;
    case ast::Stmt::Kind::State:
      scanExpr(*cast<ast::StateStmt>(stmt).init, f);
      return;
    case ast::Stmt::Kind::Finally:
      scanBlock(cast<ast::FinallyStmt>(stmt).body, f);
      return;
    case ast::Stmt::Kind::Every:
      scanBlock(cast<ast::EveryStmt>(stmt).body, f);
      return;
    case ast::Stmt::Kind::Expr:
      scanExpr(*cast<ast::ExprStmt>(stmt).expr, f);
      return;
    case ast::Stmt::Kind::Return:
      if (const auto& r = cast<ast::ReturnStmt>(stmt); r.value) scanExpr(*r.value, f);
      return;
    case ast::Stmt::Kind::Break:
    case ast::Stmt::Kind::Continue:
      return;
  }
}

void scanBlock(const ast::Block& block, BodyFacts& f) {
  for (const auto& s : block.stmts) scanStmt(*s, f);
}

bool usesJsonDecoding(const ast::Module& module, const ir::Graph& graph) {
  EmitOptions options;
  return pipelineFacts(Emitter(module, graph, options)).usesFromJson;
}

BodyFacts pipelineFacts(const Emitter& em) {
  BodyFacts f;
  for (const auto& st : em.graph.pipeline().stages) {
    scanBlock(st->body, f);
    for (const auto& a : st->attrs)
      if (a.value) scanExpr(*a.value, f);
  }
  // A function's to_json/from_json needs the records' encoders and
  // decoders as much as a body's does (the other facts are per body).
  for (const auto& fn : em.module.fns) {
    if (!fn) continue;
    BodyFacts inFn;
    scanBlock(fn->body, inFn);
    f.usesToJson = f.usesToJson || inFn.usesToJson;
    f.usesFromJson = f.usesFromJson || inFn.usesFromJson;
  }
  return f;
}

namespace {

/// An expression that costs a bounded few instructions: numbers and bools
/// only (no string, list, map or record value is built, copied or compared;
/// no map is looked up, which hashes and may grow), no call.
bool isCheapExpr(const ast::Expr& e) {
  if (e.type != nullptr && (e.type->is(ast::Type::Kind::String) || e.type->is(ast::Type::Kind::List) ||
                            e.type->is(ast::Type::Kind::Map) || e.type->record() != nullptr))
    return false;
  switch (e.kind) {
    case ast::Expr::Kind::IntLit:
    case ast::Expr::Kind::FloatLit:
    case ast::Expr::Kind::BoolLit:
    case ast::Expr::Kind::DurationLit:
    case ast::Expr::Kind::Name:
      return true;
    case ast::Expr::Kind::Field:
      return isCheapExpr(*cast<ast::FieldExpr>(e).base);
    case ast::Expr::Kind::Index: {
      const auto& ix = cast<ast::IndexExpr>(e);
      // The list itself is not copied: only its type is not cheap. A map's
      // lookup is not cheap.
      const bool map = ix.base->type != nullptr && ix.base->type->is(ast::Type::Kind::Map);
      return !map && ix.base->kind == ast::Expr::Kind::Name && isCheapExpr(*ix.index);
    }
    case ast::Expr::Kind::Unary:
      return isCheapExpr(*cast<ast::UnaryExpr>(e).operand);
    case ast::Expr::Kind::Binary: {
      const auto& b = cast<ast::BinaryExpr>(e);
      return isCheapExpr(*b.lhs) && isCheapExpr(*b.rhs);
    }
    case ast::Expr::Kind::StringLit:
    case ast::Expr::Kind::ListLit:
    case ast::Expr::Kind::MapLit:
    case ast::Expr::Kind::RecordLit:
    case ast::Expr::Kind::Call:
      return false;
  }
  return false;
}

bool isCheapBlock(const ast::Block& block);

bool isCheapStmt(const ast::Stmt& stmt) {
  switch (stmt.kind) {
    case ast::Stmt::Kind::Let:
      return isCheapExpr(*cast<ast::LetStmt>(stmt).init);
    case ast::Stmt::Kind::Assign: {
      const auto& a = cast<ast::AssignStmt>(stmt);
      return isCheapExpr(*a.target) && isCheapExpr(*a.value);
    }
    case ast::Stmt::Kind::If: {
      const auto& i = cast<ast::IfStmt>(stmt);
      return isCheapExpr(*i.cond) && isCheapBlock(i.then) && (!i.otherwise || isCheapBlock(*i.otherwise));
    }
    case ast::Stmt::Kind::Break:
    case ast::Stmt::Kind::Continue:
      return true;
    default:  // loops, sends, sleep, calls, fail, return
      return false;
  }
}

bool isCheapBlock(const ast::Block& block) {
  for (const auto& s : block.stmts)
    if (!isCheapStmt(*s)) return false;
  return true;
}

bool hasBreak(const ast::Block& block) {
  for (const auto& s : block.stmts) {
    if (s->kind == ast::Stmt::Kind::Break) return true;
    if (const auto* i = dyn_cast<ast::IfStmt>(s.get()))
      if (hasBreak(i->then) || (i->otherwise && hasBreak(*i->otherwise))) return true;
  }
  return false;
}

}  // namespace

LoopBodyCost loopBodyCost(const ast::Block& body) { return LoopBodyCost{isCheapBlock(body), hasBreak(body)}; }

}  // namespace flow::emit
