// sema/warnings.cpp — warnings for programs that are legal but probably not
// what the author meant:
//   UnusedParam       a param that no expression reads (still a CLI flag);
//   UselessTimeout    a `timeout` on a body with no point where a timeout is
//                     checked (loops — they have preemption points — sends,
//                     `sleep`, reading lines, HTTP and extern calls);
//   OversizedChannel  a constant capacity larger than the number of items
//                     that can ever reach the channel, when that number is
//                     known at compile time (sources whose sends sit in
//                     constant `for` ranges, and the stages downstream);
//   PartialStatePrinted  a `finally` that prints `state` in a stage with a
//                     constant count of several workers: each worker prints
//                     its own part, which surprises the first time;
// (UnusedLocal and UnusedResult are reported where scopes close and
// statements are checked; UselessOrdered with the attributes.) Runs only on
// a tree without syntax errors; reports nothing that is an error.
#include <functional>
#include <limits>
#include <unordered_map>

#include "sema/sema_impl.h"

namespace flow::sema {

namespace {

// ------------------------------------------------------- blocking points

bool exprBlocks(const ast::Expr* e);

bool anyBlocks(const std::vector<ast::ExprPtr>& es) {
  for (const auto& e : es)
    if (exprBlocks(e.get())) return true;
  return false;
}

bool exprBlocks(const ast::Expr* e) {
  if (!e) return false;
  switch (e->kind) {
    case ast::Expr::Kind::IntLit:
    case ast::Expr::Kind::FloatLit:
    case ast::Expr::Kind::BoolLit:
    case ast::Expr::Kind::DurationLit:
    case ast::Expr::Kind::Name:
      return false;
    case ast::Expr::Kind::StringLit:
      for (const auto& p : llvm::cast<ast::StringLit>(e)->pieces)
        if (exprBlocks(p.expr.get())) return true;
      return false;
    case ast::Expr::Kind::ListLit:
      return anyBlocks(llvm::cast<ast::ListLit>(e)->elements);
    case ast::Expr::Kind::MapLit:
      for (const auto& entry : llvm::cast<ast::MapLit>(e)->entries)
        if (exprBlocks(entry.key.get()) || exprBlocks(entry.value.get())) return true;
      return false;
    case ast::Expr::Kind::RecordLit:
      for (const auto& f : llvm::cast<ast::RecordLit>(e)->fields)
        if (exprBlocks(f.value.get())) return true;
      return false;
    case ast::Expr::Kind::Field:
      return exprBlocks(llvm::cast<ast::FieldExpr>(e)->base.get());
    case ast::Expr::Kind::Index: {
      auto* i = llvm::cast<ast::IndexExpr>(e);
      return exprBlocks(i->base.get()) || exprBlocks(i->index.get());
    }
    case ast::Expr::Kind::Call: {
      auto* c = llvm::cast<ast::CallExpr>(e);
      if (c->externFn || c->builtin == ast::Builtin::Sleep || c->builtin == ast::Builtin::ReadLines ||
          c->builtin == ast::Builtin::HttpGet || c->builtin == ast::Builtin::HttpPost)
        return true;
      return anyBlocks(c->args);
    }
    case ast::Expr::Kind::Unary:
      return exprBlocks(llvm::cast<ast::UnaryExpr>(e)->operand.get());
    case ast::Expr::Kind::Binary: {
      auto* b = llvm::cast<ast::BinaryExpr>(e);
      return exprBlocks(b->lhs.get()) || exprBlocks(b->rhs.get());
    }
  }
  return false;
}

bool blockBlocks(const ast::Block& b);

bool stmtBlocks(const ast::Stmt& s) {
  switch (s.kind) {
    case ast::Stmt::Kind::Let:
      return exprBlocks(llvm::cast<ast::LetStmt>(s).init.get());
    case ast::Stmt::Kind::Assign:
      return exprBlocks(llvm::cast<ast::AssignStmt>(s).value.get());
    case ast::Stmt::Kind::If: {
      auto& i = llvm::cast<ast::IfStmt>(s);
      return exprBlocks(i.cond.get()) || blockBlocks(i.then) || (i.otherwise && blockBlocks(*i.otherwise));
    }
    // A loop runs a preemption point every iteration (or chunk of them).
    case ast::Stmt::Kind::For:
    case ast::Stmt::Kind::While:
      return true;
    case ast::Stmt::Kind::Break:
    case ast::Stmt::Kind::Continue:
    case ast::Stmt::Kind::Return:
    // `finally` runs after the last item, `every` between items: both
    // outside any item's timeout.
    case ast::Stmt::Kind::Finally:
    case ast::Stmt::Kind::Every:
      return false;
    case ast::Stmt::Kind::Send: {
      auto& snd = llvm::cast<ast::SendStmt>(s);
      // A try-send never waits; only its value or else-block might.
      if (!snd.isTry) return true;
      return exprBlocks(snd.value.get()) || (snd.otherwise && blockBlocks(*snd.otherwise));
    }
    case ast::Stmt::Kind::Fail:
      return exprBlocks(llvm::cast<ast::FailStmt>(s).message.get());
    case ast::Stmt::Kind::State:
      return exprBlocks(llvm::cast<ast::StateStmt>(s).init.get());
    case ast::Stmt::Kind::Expr:
      return exprBlocks(llvm::cast<ast::ExprStmt>(s).expr.get());
  }
  return false;
}

bool blockBlocks(const ast::Block& b) {
  for (const auto& s : b.stmts)
    if (s && stmtBlocks(*s)) return true;
  return false;
}

// ------------------------------------------------------ state read

/// The first `state` variable `e` reads, or null.
const ast::NameExpr* stateRead(const ast::Expr* e) {
  if (!e) return nullptr;
  auto first = [](const auto& exprs) -> const ast::NameExpr* {
    for (const auto& x : exprs)
      if (const ast::NameExpr* n = stateRead(x.get())) return n;
    return nullptr;
  };
  switch (e->kind) {
    case ast::Expr::Kind::IntLit:
    case ast::Expr::Kind::FloatLit:
    case ast::Expr::Kind::BoolLit:
    case ast::Expr::Kind::DurationLit:
      return nullptr;
    case ast::Expr::Kind::Name: {
      auto* n = llvm::cast<ast::NameExpr>(e);
      return n->ref.kind == ast::NameRef::Kind::State ? n : nullptr;
    }
    case ast::Expr::Kind::StringLit:
      for (const auto& p : llvm::cast<ast::StringLit>(e)->pieces)
        if (const ast::NameExpr* n = stateRead(p.expr.get())) return n;
      return nullptr;
    case ast::Expr::Kind::ListLit:
      return first(llvm::cast<ast::ListLit>(e)->elements);
    case ast::Expr::Kind::RecordLit:
      for (const auto& f : llvm::cast<ast::RecordLit>(e)->fields)
        if (const ast::NameExpr* n = stateRead(f.value.get())) return n;
      return nullptr;
    case ast::Expr::Kind::MapLit:
      for (const auto& entry : llvm::cast<ast::MapLit>(e)->entries) {
        if (const ast::NameExpr* n = stateRead(entry.key.get())) return n;
        if (const ast::NameExpr* n = stateRead(entry.value.get())) return n;
      }
      return nullptr;
    case ast::Expr::Kind::Field:
      return stateRead(llvm::cast<ast::FieldExpr>(e)->base.get());
    case ast::Expr::Kind::Index: {
      auto* i = llvm::cast<ast::IndexExpr>(e);
      const ast::NameExpr* n = stateRead(i->base.get());
      return n ? n : stateRead(i->index.get());
    }
    case ast::Expr::Kind::Call:
      return first(llvm::cast<ast::CallExpr>(e)->args);
    case ast::Expr::Kind::Unary:
      return stateRead(llvm::cast<ast::UnaryExpr>(e)->operand.get());
    case ast::Expr::Kind::Binary: {
      auto* b = llvm::cast<ast::BinaryExpr>(e);
      const ast::NameExpr* n = stateRead(b->lhs.get());
      return n ? n : stateRead(b->rhs.get());
    }
  }
  return nullptr;
}

/// The first `print`/`eprint` call in `stmts` (nested blocks included) whose
/// arguments read a `state` variable, with the variable; {null, null} if none.
std::pair<const ast::CallExpr*, const ast::NameExpr*> printOfState(const std::vector<ast::StmtPtr>& stmts) {
  for (const auto& sp : stmts) {
    if (!sp) continue;
    std::pair<const ast::CallExpr*, const ast::NameExpr*> found{nullptr, nullptr};
    switch (sp->kind) {
      case ast::Stmt::Kind::Expr: {
        auto* c = llvm::dyn_cast_or_null<ast::CallExpr>(llvm::cast<ast::ExprStmt>(*sp).expr.get());
        if (c && (c->builtin == ast::Builtin::Print || c->builtin == ast::Builtin::Eprint))
          for (const auto& a : c->args)
            if (const ast::NameExpr* n = stateRead(a.get())) return {c, n};
        break;
      }
      case ast::Stmt::Kind::If: {
        auto& i = llvm::cast<ast::IfStmt>(*sp);
        found = printOfState(i.then.stmts);
        if (!found.first && i.otherwise) found = printOfState(i.otherwise->stmts);
        break;
      }
      case ast::Stmt::Kind::For:
        found = printOfState(llvm::cast<ast::ForStmt>(*sp).body.stmts);
        break;
      case ast::Stmt::Kind::While:
        found = printOfState(llvm::cast<ast::WhileStmt>(*sp).body.stmts);
        break;
      default:
        break;
    }
    if (found.first) return found;
  }
  return {nullptr, nullptr};
}

// ------------------------------------------------------ counting sends

constexpr std::int64_t kUnbounded = std::numeric_limits<std::int64_t>::max();

std::int64_t satAdd(std::int64_t a, std::int64_t b) {
  if (a == kUnbounded || b == kUnbounded || a > kUnbounded - b) return kUnbounded;
  return a + b;
}
std::int64_t satMul(std::int64_t a, std::int64_t b) {
  if (a == 0 || b == 0) return 0;
  if (a == kUnbounded || b == kUnbounded || a > kUnbounded / b) return kUnbounded;
  return a * b;
}

}  // namespace

void Sema::warnUnusedParams(ast::PipelineDecl& p) {
  for (auto& param : p.params) {
    if (!param) continue;
    auto it = members_.find(param->name.name);
    if (it == members_.end() || it->second.param != param.get() || it->second.used) continue;
    diags_.report(DiagKind::UnusedParam, param->name.range,
                  "param `" + param->name.name + "` is never used; `--" + param->name.name +
                      "=…` would change nothing");
  }
}

void Sema::warnUselessTimeout(ast::StageDecl& stage, const ast::StageAttr& timeout) {
  for (const auto& s : stage.body.stmts)
    if (s && stmtBlocks(*s)) return;
  diags_.report(
      DiagKind::UselessTimeout, timeout.range,
      "`timeout` on `" + stage.name.name +
          "` can never fire: its body has no loop, send, `sleep`, `read_lines`, `http_get`, `http_post` or "
          "extern call, the only points where a timeout is checked");
}

void Sema::warnPartialStatePrinted(const ast::StageDecl& stage) {
  std::int64_t workers = 1;
  for (const auto& a : stage.attrs) {
    if (a.kind != ast::StageAttr::Kind::Workers) continue;
    ConstResult r = evalConst(a.value.get(), false);
    if (r.isKnown()) workers = r.value.i;
  }
  if (workers < 2 || stage.body.stmts.empty() || !stage.body.stmts.back()) return;
  auto* fin = llvm::dyn_cast<ast::FinallyStmt>(stage.body.stmts.back().get());
  if (!fin) return;
  auto [call, state] = printOfState(fin->body.stmts);
  if (!call) return;
  const std::string n = std::to_string(workers);
  // Worded so it holds whatever else the language offers: one worker, or a
  // downstream stage that combines the parts, always gives one result.
  diags_.report(DiagKind::PartialStatePrinted, call->range,
                "each of the " + n + " workers of `" + stage.name.name + "` has its own `" + state->name +
                    "`, so this prints " + n +
                    " partial results; use `workers 1` for one result, or emit "
                    "each worker's part to a stage that combines them");
}

void Sema::warnOversizedChannels(ast::PipelineDecl& p) {
  // How many sends to `ch` one run of `stmts` can make at most.
  std::function<std::int64_t(const std::vector<ast::StmtPtr>&, const ast::ChannelDecl*)> sendsIn;
  sendsIn = [&](const std::vector<ast::StmtPtr>& stmts, const ast::ChannelDecl* ch) -> std::int64_t {
    std::int64_t total = 0;
    for (const auto& sp : stmts) {
      if (!sp) continue;
      const ast::Stmt& s = *sp;
      std::int64_t n = 0;
      switch (s.kind) {
        case ast::Stmt::Kind::Send: {
          auto& snd = llvm::cast<ast::SendStmt>(s);
          n = (snd.target == ch ? 1 : 0);
          if (snd.otherwise) n = satAdd(n, sendsIn(snd.otherwise->stmts, ch));
          break;
        }
        case ast::Stmt::Kind::If: {
          auto& i = llvm::cast<ast::IfStmt>(s);
          n = std::max(sendsIn(i.then.stmts, ch), i.otherwise ? sendsIn(i.otherwise->stmts, ch) : 0);
          break;
        }
        case ast::Stmt::Kind::For: {
          auto& f = llvm::cast<ast::ForStmt>(s);
          std::int64_t body = sendsIn(f.body.stmts, ch);
          if (body == 0) break;
          std::int64_t trips = kUnbounded;
          if (f.isRange()) {
            ConstResult lo = evalConst(f.iterable.get(), false), hi = evalConst(f.hi.get(), false);
            if (lo.isKnown() && hi.isKnown()) trips = hi.value.i > lo.value.i ? hi.value.i - lo.value.i : 0;
          } else if (auto* list = llvm::dyn_cast_or_null<ast::ListLit>(f.iterable.get())) {
            trips = static_cast<std::int64_t>(list->elements.size());
          }
          n = satMul(trips, body);
          break;
        }
        case ast::Stmt::Kind::While:
          n = sendsIn(llvm::cast<ast::WhileStmt>(s).body.stmts, ch) ? kUnbounded : 0;
          break;
        case ast::Stmt::Kind::Finally:
          // Counted per worker by the caller, not per item.
          break;
        case ast::Stmt::Kind::Every:
          // Runs as often as the clock says: no bound.
          n = sendsIn(llvm::cast<ast::EveryStmt>(s).body.stmts, ch) ? kUnbounded : 0;
          break;
        case ast::Stmt::Kind::Let:
        case ast::Stmt::Kind::Assign:
        case ast::Stmt::Kind::Break:
        case ast::Stmt::Kind::Continue:
        case ast::Stmt::Kind::Return:
        case ast::Stmt::Kind::Fail:
        case ast::Stmt::Kind::State:
        case ast::Stmt::Kind::Expr:
          break;
      }
      total = satAdd(total, n);
    }
    return total;
  };
  auto finallySends = [&](const ast::StageDecl& s, const ast::ChannelDecl* ch) -> std::int64_t {
    for (const auto& sp : s.body.stmts)
      if (auto* f = llvm::dyn_cast_or_null<ast::FinallyStmt>(sp.get())) return sendsIn(f->body.stmts, ch);
    return 0;
  };
  auto constAttr = [&](const ast::StageDecl& s, ast::StageAttr::Kind k, std::int64_t absent) -> std::int64_t {
    for (const auto& a : s.attrs) {
      if (a.kind != k) continue;
      ConstResult r = evalConst(a.value.get(), false);
      return r.isKnown() ? r.value.i : kUnbounded;
    }
    return absent;
  };

  // Items that can ever reach each channel, memoized; the graph is acyclic
  // here (a cycle is an error and stops this warning).
  std::unordered_map<const ast::ChannelDecl*, std::vector<const ast::StageDecl*>> writers;
  for (auto& s : p.stages) {
    if (!s) continue;
    for (const auto* ch : s->outputChannels)
      if (ch) writers[ch].push_back(s.get());
    if (s->routeChannel) writers[s->routeChannel].push_back(s.get());
  }
  std::unordered_map<const ast::ChannelDecl*, std::int64_t> memo;
  int depth = 0;
  std::function<std::int64_t(const ast::ChannelDecl*)> itemsOf =
      [&](const ast::ChannelDecl* ch) -> std::int64_t {
    if (auto it = memo.find(ch); it != memo.end()) return it->second;
    memo[ch] = kUnbounded;  // a revisit (a cycle) counts as unbounded
    // A very long chain of stages gives up rather than exhaust the C++ stack.
    if (depth > 2000) return kUnbounded;
    struct DepthGuard {
      int& d;
      explicit DepthGuard(int& x) : d(++x) {}
      ~DepthGuard() { --d; }
    } guard(depth);
    std::int64_t total = ch->role == ast::ChannelRole::Input ? kUnbounded : 0;
    for (const ast::StageDecl* w : writers[ch]) {
      std::int64_t workers = constAttr(*w, ast::StageAttr::Kind::Workers, 1);
      std::int64_t tries = satAdd(constAttr(*w, ast::StageAttr::Kind::Retry, 0), 1);
      std::int64_t perRun = sendsIn(w->body.stmts, ch);
      std::int64_t runs = workers;  // a source's body runs once per worker
      if (w->kind != ast::StageDecl::Kind::Source) {
        runs = 0;
        for (const auto* in : w->inputChannels) runs = satAdd(runs, in ? itemsOf(in) : kUnbounded);
        if (w->routeChannel == ch) perRun = satAdd(perRun, 1);
      }
      total = satAdd(total, satMul(satMul(runs, tries), perRun));
      total = satAdd(total, satMul(workers, finallySends(*w, ch)));
    }
    return memo[ch] = total;
  };

  bool hasCycle = false;
  for (const auto& d : diags_.diagnostics())
    if (d.kind == DiagKind::ChannelCycle) hasCycle = true;
  if (hasCycle) return;
  for (auto& ch : p.channels) {
    if (!ch || !ch->capacity || ch->role != ast::ChannelRole::Internal) continue;
    ConstResult cap = evalConst(ch->capacity.get(), false);
    if (!cap.isKnown() || cap.value.i <= 0) continue;
    std::int64_t items = itemsOf(ch.get());
    // 0 items: the writers never send to it, a different oddity.
    if (items == 0 || items >= cap.value.i) continue;
    diags_.report(DiagKind::OversizedChannel, ch->capacity->range,
                  "channel `" + ch->name.name + "` has capacity " + std::to_string(cap.value.i) +
                      ", but at most " + std::to_string(items) + (items == 1 ? " item" : " items") +
                      " can ever reach it; a capacity of " + std::to_string(items) + " is enough");
  }
}

}  // namespace flow::sema
