// sema/check_stmt.cpp — stage bodies (docs/language.md, "Stage bodies"):
// statements, block scopes, `state` first and `finally` last, loops and
// `break`/`continue`, assignments (only to `var` and `state`), sends and `emit`
// (the channel must be one of the stage's outputs; `emit` needs exactly one),
// `fail`. Sets SendStmt::target and ForStmt::varType. Expressions are
// check_expr.cpp's; which channels a stage may write is resolved before, in
// check_pipeline.cpp.
//
// Scopes of a body, outermost first: `worker` and the `state` variables; the
// item and the body's top-level locals; one scope per nested block. A
// `finally` block sees `worker`, the state and the pipeline — not the item
// or the body's locals, which belong to a single item.
#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Type;
using K = Type::Kind;

void Sema::checkBody(ast::StageDecl& stage) {
  stage_ = &stage;
  context_ = ExprContext::Body;
  locals_.clear();
  scopeStarts_.clear();
  loopDepth_ = 0;
  inFinally_ = false;

  pushScope();
  declareLocal("worker", stage.name.range, ast::NameRef::Kind::Worker, nullptr, types_.intType(), false,
               false);
  auto& stmts = stage.body.stmts;
  std::size_t i = 0;
  for (; i < stmts.size() && stmts[i] && llvm::isa<ast::StateStmt>(*stmts[i]); ++i) {
    auto& st = llvm::cast<ast::StateStmt>(*stmts[i]);
    const Type* t = checkValue(st.init.get());
    declareLocal(st.name.name, st.name.range, ast::NameRef::Kind::State, static_cast<const ast::Stmt*>(&st),
                 t, true, true);
  }
  std::size_t itemIndex = locals_.size();
  pushScope();
  if (stage.item)
    declareLocal(stage.item->name, stage.item->range, ast::NameRef::Kind::Item, &stage,
                 stage.itemType ? stage.itemType : types_.errorType(), false, false);
  for (; i < stmts.size(); ++i) {
    if (!stmts[i]) continue;
    auto* fin = llvm::dyn_cast<ast::FinallyStmt>(stmts[i].get());
    if (!fin) {
      checkStmt(*stmts[i]);
      continue;
    }
    if (i + 1 != stmts.size())
      diags_.report(DiagKind::FinallyNotLast, fin->range,
                    "`finally` must be the last statement of a body; it runs once per worker after the input "
                    "is drained");
    // Hide the item and the per-item locals while checking `finally` (a
    // misplaced `state`, already reported, stays visible: no cascade).
    std::size_t end = locals_.size();
    for (std::size_t k = itemIndex; k < end; ++k)
      locals_[k].hidden = locals_[k].kind != ast::NameRef::Kind::State;
    int savedLoops = loopDepth_;
    loopDepth_ = 0;
    inFinally_ = true;
    checkBlock(fin->body);
    inFinally_ = false;
    loopDepth_ = savedLoops;
    for (std::size_t k = itemIndex; k < end; ++k) locals_[k].hidden = false;
  }
  popScope();
  popScope();
  stage_ = nullptr;
  context_ = ExprContext::Pipeline;
}

void Sema::checkBlock(ast::Block& block) {
  pushScope();
  for (auto& s : block.stmts)
    if (s) checkStmt(*s);
  popScope();
}

void Sema::checkCondition(ast::Expr* cond, std::string_view what) {
  expectType(types_.boolType(), cond, std::string(what));
}

void Sema::checkStmt(ast::Stmt& stmt) {
  switch (stmt.kind) {
    case ast::Stmt::Kind::Let:
      return checkLet(llvm::cast<ast::LetStmt>(stmt));
    case ast::Stmt::Kind::Assign:
      return checkAssign(llvm::cast<ast::AssignStmt>(stmt));
    case ast::Stmt::Kind::If: {
      auto& s = llvm::cast<ast::IfStmt>(stmt);
      checkCondition(s.cond.get(), "the condition of `if`");
      checkBlock(s.then);
      if (s.otherwise) checkBlock(*s.otherwise);
      return;
    }
    case ast::Stmt::Kind::For:
      return checkFor(llvm::cast<ast::ForStmt>(stmt));
    case ast::Stmt::Kind::While: {
      auto& s = llvm::cast<ast::WhileStmt>(stmt);
      checkCondition(s.cond.get(), "the condition of `while`");
      ++loopDepth_;
      checkBlock(s.body);
      --loopDepth_;
      return;
    }
    case ast::Stmt::Kind::Break:
    case ast::Stmt::Kind::Continue:
      if (loopDepth_ == 0)
        diags_.report(DiagKind::BreakOutsideLoop, stmt.range,
                      std::string("`") + (stmt.kind == ast::Stmt::Kind::Break ? "break" : "continue") +
                          "` outside a loop; use `return` to end this " + (fn_ ? "function" : "item's body"));
      return;
    case ast::Stmt::Kind::Return:
      return checkReturn(llvm::cast<ast::ReturnStmt>(stmt));
    case ast::Stmt::Kind::Send:
      return checkSend(llvm::cast<ast::SendStmt>(stmt));
    case ast::Stmt::Kind::Fail:
      expectType(types_.stringType(), llvm::cast<ast::FailStmt>(stmt).message.get(), "the message of `fail`");
      return;
    case ast::Stmt::Kind::State: {
      // Leading `state` statements are handled by checkBody; this one is misplaced.
      auto& s = llvm::cast<ast::StateStmt>(stmt);
      if (!reportIfInFunction(s.range, "`state`"))
        diags_.report(DiagKind::StateNotFirst, s.range,
                      "`state` must come before every other statement of a body, at its top level");
      const Type* t = checkValue(s.init.get());
      declareLocal(s.name.name, s.name.range, ast::NameRef::Kind::State, static_cast<const ast::Stmt*>(&s), t,
                   true, false);
      return;
    }
    case ast::Stmt::Kind::Finally: {
      auto& s = llvm::cast<ast::FinallyStmt>(stmt);
      if (!reportIfInFunction(s.range, "`finally`"))
        diags_.report(DiagKind::FinallyNotLast, s.range,
                      "`finally` must be the last statement of a body, not inside a block");
      checkBlock(s.body);
      return;
    }
    case ast::Stmt::Kind::Expr:
      return checkExprStmt(llvm::cast<ast::ExprStmt>(stmt));
  }
}

void Sema::checkLet(ast::LetStmt& s) {
  // The initializer is checked first: `let x = x + 1` reads an outer `x`.
  const Type* t = checkValue(s.init.get());
  declareLocal(s.name.name, s.name.range, ast::NameRef::Kind::Local, static_cast<const ast::Stmt*>(&s), t,
               s.isMutable, true);
}

void Sema::checkAssign(ast::AssignStmt& s) {
  std::string opText = s.op ? std::string(ast::spelling(*s.op)) + "=" : "=";
  auto* name = llvm::dyn_cast_or_null<ast::NameExpr>(s.target.get());
  if (!name) {
    checkValue(s.target.get());
    checkValue(s.value.get());
    if (s.target)
      diags_.report(
          DiagKind::NotAssignable, s.target->range,
          "only a `var` or `state` name can be assigned; a record or list is changed by building a new one");
    return;
  }
  const Type* target = types_.errorType();
  const Type* declared = nullptr;  // the name's own type, to check the value against even after an error
  LocalInfo* local = context_ == ExprContext::Body ? lookupLocal(name->name) : nullptr;
  if (local) {
    // An assignment is not a use: a `var` that is only ever written is unused.
    name->ref = {local->kind, local->decl};
    target = local->type ? local->type : types_.errorType();
    declared = target;
    if (!local->isMutable) {
      std::string why;
      switch (local->kind) {
        case ast::NameRef::Kind::Local:
          why = local->warnUnused ? "it is declared with `let`; use `var` for a variable"
                                  : "it is a loop variable";
          break;
        case ast::NameRef::Kind::Item:
          why = "it is the stage's input item";
          break;
        case ast::NameRef::Kind::Worker:
          why = "it is the index of the running worker";
          break;
        case ast::NameRef::Kind::FnParam:
          why = "it is a parameter of `" + (fn_ ? fn_->name.name : std::string("?")) +
                "`; copy it into a `var` to change it";
          break;
        case ast::NameRef::Kind::Unresolved:
        case ast::NameRef::Kind::Function:
        case ast::NameRef::Kind::Param:
        case ast::NameRef::Kind::Const:
        case ast::NameRef::Kind::State:
        case ast::NameRef::Kind::TestChannel:
        case ast::NameRef::Kind::TestStage:
        case ast::NameRef::Kind::TestResult:
          why = "it is read-only";
          break;
      }
      auto b = diags_.report(DiagKind::NotAssignable, name->range,
                             "cannot assign to `" + name->name + "`; " + why);
      if (local->kind != ast::NameRef::Kind::Worker)
        b.note(local->range, "`" + name->name + "` declared here");
      target = types_.errorType();
    }
  } else {
    const Type* t = checkName(*name);
    if (!isErrorish(t)) {
      const char* what = name->ref.kind == ast::NameRef::Kind::Param ? "param" : "const";
      diags_.report(DiagKind::NotAssignable, name->range,
                    std::string("cannot assign to ") + what + " `" + name->name +
                        "`; only a `var` or `state` can change");
    }
  }
  name->type = target;
  if (!s.op) {
    if (isErrorish(target)) {
      checkValue(s.value.get(), declared ? declared : target);
      return;
    }
    expectType(target, s.value.get(), "the value assigned to `" + name->name + "`");
    return;
  }
  const Type* v = checkValue(s.value.get(), target);
  if (isErrorish(target) || isErrorish(v)) return;
  const Type* result = binaryResult(*s.op, target, v);
  if (!result) {
    diags_.report(
        DiagKind::InvalidOperands, s.range,
        "operator `" + opText + "` cannot be applied to `" + target->str() + "` and `" + v->str() + "`");
    return;
  }
  if (result != target)
    diags_.report(DiagKind::TypeMismatch, s.value->range,
                  "`" + name->name + " " + opText + " …` gives type `" + result->str() + "`, but `" +
                      name->name + "` has type `" + target->str() + "`");
}

void Sema::checkFor(ast::ForStmt& s) {
  const Type* var = types_.errorType();
  if (s.isRange()) {
    expectType(types_.intType(), s.iterable.get(), "the start of a range");
    expectType(types_.intType(), s.hi.get(), "the end of a range");
    var = types_.intType();
  } else {
    auto* call = llvm::dyn_cast_or_null<ast::CallExpr>(s.iterable.get());
    if (call && call->callee.name == "read_lines") readLinesOk_ = call;
    const Type* t = checkValue(s.iterable.get());
    readLinesOk_ = nullptr;
    if (!isErrorish(t) && t->is(K::List))
      var = t->element();
    else if (!isErrorish(t))
      diags_.report(
          DiagKind::TypeMismatch, s.iterable->range,
          "`for` iterates over a range `a..b`, a list or `read_lines(…)`, found `" + t->str() + "`");
  }
  s.varType = var;
  pushScope();
  declareLocal(s.var.name, s.var.range, ast::NameRef::Kind::Local, static_cast<const ast::Stmt*>(&s), var,
               false, false);
  ++loopDepth_;
  checkBlock(s.body);
  --loopDepth_;
  popScope();
}

void Sema::checkSend(ast::SendStmt& s) {
  auto checkElse = [&] {
    if (s.otherwise) checkBlock(*s.otherwise);
  };
  if (reportIfInFunction(s.range, s.isEmit() ? "`emit`" : "a send to `" + s.channel->name + "`")) {
    checkValue(s.value.get());
    return checkElse();
  }
  ast::StageDecl& stage = *stage_;
  if (stage.kind == ast::StageDecl::Kind::Sink) {
    std::string what = s.isEmit() ? "`emit`" : "a send to `" + s.channel->name + "`";
    diags_.report(
        DiagKind::EmitInSink, s.range,
        what + " in sink `" + stage.name.name + "`; a sink has no outputs (make it a `stage` with `-> ch`)");
    checkValue(s.value.get());
    return checkElse();
  }
  const ast::ChannelDecl* target = nullptr;
  bool silent = false;  // an unknown output was already reported
  if (s.isEmit()) {
    if (stage.outputs.size() > 1) {
      std::vector<std::string> names;
      for (const auto& o : stage.outputs) names.push_back(o.name);
      auto b = diags_.report(DiagKind::EmitAmbiguous, s.range,
                             "`emit` in `" + stage.name.name + "`, which has " +
                                 std::to_string(names.size()) + " outputs (" + joinNames(names) +
                                 "); name the channel: `" + names.front() + " <- …`");
      b.note(stage.outputs.front().range, "the outputs of `" + stage.name.name + "` are declared here");
      silent = true;
    } else if (stage.outputs.size() == 1) {
      target = stage.outputChannels.empty() ? nullptr : stage.outputChannels.front();
      silent = target == nullptr;
    } else {
      silent = true;  // the stage's shape (no outputs) was reported already
    }
  } else {
    const std::string& name = s.channel->name;
    for (std::size_t i = 0; i < stage.outputs.size(); ++i) {
      if (stage.outputs[i].name != name) continue;
      target = i < stage.outputChannels.size() ? stage.outputChannels[i] : nullptr;
      silent = target == nullptr;
      break;
    }
    if (!target && !silent && isErrorName(name)) silent = true;
    if (!target && !silent) {
      silent = true;
      auto it = members_.find(name);
      if (it != members_.end() && it->second.kind == MemberInfo::Kind::Channel) {
        std::vector<std::string> names;
        for (const auto& o : stage.outputs) names.push_back(o.name);
        std::string outs = names.empty() ? "it has no outputs" : "its outputs are " + joinNames(names);
        auto b = diags_.report(DiagKind::SendToNonOutput, s.channel->range,
                               "`" + name + "` is not an output of `" + stage.name.name + "`; " + outs +
                                   " (add `" + name + "` after `->`)");
        if (!stage.outputs.empty())
          b.note(stage.outputs.front().range, "the outputs of `" + stage.name.name + "` are declared here");
        else
          b.note(stage.name.range, "`" + stage.name.name + "` declared here");
      } else {
        std::vector<std::string> names;
        for (const auto& o : stage.outputs) names.push_back(o.name);
        std::string hint = didYouMean(name, names);
        if (hint.empty()) {
          names.clear();
          for (const auto& [n, m] : members_)
            if (m.kind == MemberInfo::Kind::Channel) names.emplace_back(n);
          std::sort(names.begin(), names.end());
          hint = didYouMean(name, names);
        }
        diags_.report(DiagKind::UnknownChannel, s.channel->range, "unknown channel `" + name + "`" + hint);
      }
    }
  }
  s.target = target;
  if (target && target->elementType.resolved)
    expectType(target->elementType.resolved, s.value.get(), "the value sent to `" + target->name.name + "`");
  else
    checkValue(s.value.get());
  checkElse();
}

void Sema::checkExprStmt(ast::ExprStmt& s) {
  const Type* t = checkExpr(s.expr.get());
  if (!s.expr || isErrorish(t) || t->is(K::Void)) return;
  std::string what = "the value of this expression";
  if (auto* call = llvm::dyn_cast<ast::CallExpr>(s.expr.get()))
    what = "the result of `" + call->callee.name + "(…)`";
  diags_.report(DiagKind::UnusedResult, s.expr->range, what + " is not used");
}

}  // namespace flow::sema
