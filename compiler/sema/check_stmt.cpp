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
// `finally` or `every` block sees `worker`, the state and the pipeline —
// not the item or the body's locals, which belong to a single item. A
// stage's `key` sees the item and the pipeline only.
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
  checkKey(stage);

  pushScope();
  declareLocal("worker", stage.name.range, ast::NameRef::Kind::Worker, nullptr, types_.intType(), false,
               false);
  auto& stmts = stage.body.stmts;
  std::size_t i = 0;
  for (; i < stmts.size() && stmts[i] && llvm::isa<ast::StateStmt>(*stmts[i]); ++i) {
    auto& st = llvm::cast<ast::StateStmt>(*stmts[i]);
    inStateInit_ = true;
    const Type* t = checkInit(st.declType, st.init.get(), st.name.name);
    inStateInit_ = false;
    declareLocal(st.name.name, st.name.range, ast::NameRef::Kind::State, static_cast<const ast::Stmt*>(&st),
                 t, true, true);
  }
  std::size_t itemIndex = locals_.size();
  pushScope();
  if (stage.item) {
    const Type* item = stage.itemType ? stage.itemType : types_.errorType();
    // With `batch`, the body gets a list of items.
    if (stage.batchSize && !isErrorish(item)) item = types_.listOf(item);
    declareLocal(stage.item->name, stage.item->range, ast::NameRef::Kind::Item, &stage, item, false, false);
  }
  for (; i < stmts.size(); ++i) {
    if (!stmts[i]) continue;
    auto* fin = llvm::dyn_cast<ast::FinallyStmt>(stmts[i].get());
    auto* every = llvm::dyn_cast<ast::EveryStmt>(stmts[i].get());
    if (!fin && !every) {
      checkStmt(*stmts[i]);
      continue;
    }
    if (fin && i + 1 != stmts.size())
      diags_.report(DiagKind::FinallyNotLast, fin->range,
                    "`finally` must be the last statement of a body; it runs once per worker after the input "
                    "is drained");
    if (every) checkEveryPlace(stage, *every, i);
    // Hide the item and the per-item locals while checking `finally` or
    // `every` (a misplaced `state`, already reported, stays visible: no
    // cascade).
    std::size_t end = locals_.size();
    for (std::size_t k = itemIndex; k < end; ++k)
      locals_[k].hidden = locals_[k].kind != ast::NameRef::Kind::State;
    int savedLoops = loopDepth_;
    loopDepth_ = 0;
    inFinally_ = true;
    inEvery_ = every != nullptr;
    checkBlock(fin ? fin->body : every->body);
    inFinally_ = false;
    inEvery_ = false;
    loopDepth_ = savedLoops;
    for (std::size_t k = itemIndex; k < end; ++k) locals_[k].hidden = false;
  }
  popScope();
  popScope();
  stage_ = nullptr;
  context_ = ExprContext::Pipeline;
}

void Sema::checkEveryPlace(ast::StageDecl& stage, ast::EveryStmt& every, std::size_t index) {
  auto& stmts = stage.body.stmts;
  bool last = index + 1 == stmts.size() ||
              (index + 2 == stmts.size() && stmts.back() && llvm::isa<ast::FinallyStmt>(*stmts.back()));
  if (stage.kind == ast::StageDecl::Kind::Source)
    diags_.report(DiagKind::EveryInSource, every.range,
                  "`every` in source `" + stage.name.name +
                      "`; a source's body runs once, so it has no items to run between (loop with `sleep` "
                      "instead)");
  else if (!last)
    diags_.report(DiagKind::EveryNotLast, every.range,
                  "`every` must be the last block of a body, or the last before `finally`; it runs between "
                  "items and once more after the input is drained");
  checkEveryPeriod(every);
}

void Sema::checkEveryPeriod(ast::EveryStmt& every) {
  // A constant over params, like `timeout`: the runtime needs it at start.
  ConstResult r = checkConstExpr(every.period.get(), types_.durationType(), ExprContext::Pipeline, "`every`");
  context_ = ExprContext::Body;
  requirePositiveDuration(r, every.period.get(), "`every`");
}

void Sema::checkKey(ast::StageDecl& stage) {
  stage.key = nullptr;
  for (auto& a : stage.attrs) {
    if (a.kind != ast::StageAttr::Kind::Key || !a.value) continue;
    if (stage.key) return;  // a duplicate `key`, already reported
    stage.key = a.value.get();
    if (stage.kind == ast::StageDecl::Kind::Source) {
      diags_.report(DiagKind::KeyOnSource, a.range,
                    "`key` on source `" + stage.name.name +
                        "`, which has no input item to key by; put `key` on the stage that reads its output");
      return;
    }
    // The key sees the item (one item, also with `batch`) and the
    // pipeline's names: not `worker`, not `state` — it picks the worker.
    pushScope();
    if (stage.item)
      declareLocal(stage.item->name, stage.item->range, ast::NameRef::Kind::Item, &stage,
                   stage.itemType ? stage.itemType : types_.errorType(), false, false);
    inKey_ = true;
    checkValue(a.value.get());
    inKey_ = false;
    popScope();
  }
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
      const Type* t = checkInit(s.declType, s.init.get(), s.name.name);
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
    case ast::Stmt::Kind::Every: {
      auto& s = llvm::cast<ast::EveryStmt>(stmt);
      diags_.report(DiagKind::EveryNotLast, s.range,
                    "`every` must be the last block of a body (or the last before `finally`), not inside a "
                    "block");
      checkEveryPeriod(s);
      checkBlock(s.body);
      return;
    }
    case ast::Stmt::Kind::Expr:
      return checkExprStmt(llvm::cast<ast::ExprStmt>(stmt));
  }
}

const Type* Sema::checkInit(std::optional<ast::TypeRef>& declType, ast::Expr* init, const std::string& name) {
  if (!declType) return checkValue(init);
  const Type* declared = resolveType(*declType);
  if (isErrorish(declared)) {
    checkValue(init, declared);
    return declared;
  }
  expectType(declared, init, "the value of `" + name + "`");
  // The written type stands even when the value was wrong: no cascade.
  return declared;
}

void Sema::checkLet(ast::LetStmt& s) {
  // The initializer is checked first: `let x = x + 1` reads an outer `x`.
  const Type* t = checkInit(s.declType, s.init.get(), s.name.name);
  declareLocal(s.name.name, s.name.range, ast::NameRef::Kind::Local, static_cast<const ast::Stmt*>(&s), t,
               s.isMutable, true);
}

const Type* Sema::checkAssignTarget(ast::Expr* target, const std::string& what, const Type** declared) {
  if (auto* index = llvm::dyn_cast_or_null<ast::IndexExpr>(target)) {
    // `m[k] = v` writes into the map held by `m`: the root must be assignable.
    const Type* base = checkAssignTarget(index->base.get(), what);
    const Type* t = types_.errorType();
    if (isErrorish(base)) {
      checkValue(index->index.get());
    } else if (base->is(K::Map)) {
      if (expectType(base->key(), index->index.get(), "a key of `" + base->str() + "`")) t = base->element();
    } else if (base->is(K::List)) {
      if (expectType(types_.intType(), index->index.get(), "a list index")) t = base->element();
    } else {
      checkValue(index->index.get());
      diags_.report(DiagKind::InvalidOperands, index->base->range,
                    "cannot index a value of type `" + base->str() + "`; only lists and maps can be indexed");
    }
    index->type = t;
    return t;
  }
  auto* name = llvm::dyn_cast_or_null<ast::NameExpr>(target);
  if (!name) {
    checkValue(target);
    if (target)
      diags_.report(
          DiagKind::NotAssignable, target->range,
          "only a `var` or `state` name, or an element of one (`m[k]`, `xs[i]`), can be assigned; a "
          "record is changed by building a new one");
    return types_.errorType();
  }
  if (isErrorName(name->name)) return name->type = types_.errorType();
  const Type* t = types_.errorType();
  LocalInfo* local = context_ == ExprContext::Body ? lookupLocal(name->name) : nullptr;
  if (local) {
    // An assignment is not a use: a `var` that is only ever written is unused.
    name->ref = {local->kind, local->decl};
    t = local->type ? local->type : types_.errorType();
    if (declared) *declared = t;
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
      std::string verb = what == "delete" ? "cannot delete from `" : "cannot assign to `";
      auto b = diags_.report(DiagKind::NotAssignable, name->range, verb + name->name + "`; " + why);
      if (local->kind != ast::NameRef::Kind::Worker)
        b.note(local->range, "`" + name->name + "` declared here");
      t = types_.errorType();
    }
  } else {
    const Type* found = checkName(*name);
    if (!isErrorish(found)) {
      const char* kind = name->ref.kind == ast::NameRef::Kind::Param ? "param" : "const";
      std::string verb = what == "delete" ? "cannot delete from " : "cannot assign to ";
      diags_.report(DiagKind::NotAssignable, name->range,
                    verb + kind + " `" + name->name + "`; only a `var` or `state` can change");
    }
  }
  name->type = t;
  return t;
}

void Sema::checkAssign(ast::AssignStmt& s) {
  std::string opText = s.op ? std::string(ast::spelling(*s.op)) + "=" : "=";
  const Type* declared = nullptr;  // the name's own type, to check the value against even after an error
  const Type* target = checkAssignTarget(s.target.get(), opText, &declared);
  std::string shown = "this element";
  std::string written = "…";
  const ast::Expr* root = s.target.get();
  while (auto* index = llvm::dyn_cast_or_null<ast::IndexExpr>(root)) root = index->base.get();
  if (auto* name = llvm::dyn_cast_or_null<ast::NameExpr>(root))
    shown = root == s.target.get() ? "`" + name->name + "`" : "an element of `" + name->name + "`";
  if (root == s.target.get() && llvm::isa_and_nonnull<ast::NameExpr>(root))
    written = llvm::cast<ast::NameExpr>(root)->name;
  if (!s.op) {
    if (isErrorish(target)) {
      checkValue(s.value.get(), declared ? declared : target);
      return;
    }
    expectType(target, s.value.get(), "the value assigned to " + shown);
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
                  "`" + written + " " + opText + " …` gives type `" + result->str() + "`, but " + shown +
                      " has type `" + target->str() + "`");
}

void Sema::checkFor(ast::ForStmt& s) {
  const Type* var = types_.errorType();
  const Type* second = types_.errorType();
  if (s.isRange()) {
    expectType(types_.intType(), s.iterable.get(), "the start of a range");
    expectType(types_.intType(), s.hi.get(), "the end of a range");
    var = types_.intType();  // a second name was reported by the parser
  } else {
    auto* call = llvm::dyn_cast_or_null<ast::CallExpr>(s.iterable.get());
    bool isReadLines = call && call->callee.name == "read_lines";
    if (isReadLines) readLinesOk_ = call;
    const Type* t = checkValue(s.iterable.get());
    readLinesOk_ = nullptr;
    if (isErrorish(t)) {
      // already reported
    } else if (t->is(K::Map)) {
      // `for k in m` walks the keys, `for k, v in m` the entries.
      var = t->key();
      second = t->element();
    } else if (t->is(K::List) && s.second && isReadLines) {
      diags_.report(DiagKind::TypeMismatch, s.second->range,
                    "`read_lines(…)` gives one value per line; write `for line in read_lines(path)`");
    } else if (t->is(K::List)) {
      // `for x in xs` walks the elements, `for i, x in xs` indices and elements.
      var = s.second ? types_.intType() : t->element();
      second = t->element();
    } else {
      diags_.report(
          DiagKind::TypeMismatch, s.iterable->range,
          "`for` iterates over a range `a..b`, a list, a map or `read_lines(…)`, found `" + t->str() + "`");
    }
  }
  s.varType = var;
  if (s.second) s.secondType = second;
  pushScope();
  declareLocal(s.var.name, s.var.range, ast::NameRef::Kind::Local, static_cast<const ast::Stmt*>(&s), var,
               false, false);
  // The second name's NameRef::decl is its Ident in the ForStmt, so the two
  // names of one loop stay apart (emit asks which of them are read).
  if (s.second)
    declareLocal(s.second->name, s.second->range, ast::NameRef::Kind::Local, &*s.second, second, false,
                 false);
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
  // A request whose answer is not needed (a notification) is still a request.
  if (auto* call = llvm::dyn_cast<ast::CallExpr>(s.expr.get());
      call && (call->builtin == ast::Builtin::HttpGet || call->builtin == ast::Builtin::HttpPost))
    return;
  std::string what = "the value of this expression";
  if (auto* call = llvm::dyn_cast<ast::CallExpr>(s.expr.get()))
    what = "the result of `" + call->callee.name + "(…)`";
  diags_.report(DiagKind::UnusedResult, s.expr->range, what + " is not used");
}

}  // namespace flow::sema
