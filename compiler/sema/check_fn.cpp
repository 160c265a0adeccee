// sema/check_fn.cpp — Flow functions, `fn name(p: T, …) -> R { … }`
// (docs/language.md, "Functions, sorting, formatting and randomness"): their
// names (one namespace with built-ins and extern functions), parameter and
// result types, bodies, `return` values, the rule that every path of a
// function with a result ends in `return` or `fail`, the statements a
// function may not contain (`emit`, sends, `sleep`, `state`, `finally`), and
// which functions are recursive. Calls of functions are checked in
// builtins.cpp with the other calls.
//
// Functions are checked once, before any pipeline, with no pipeline member
// in scope: a body sees its parameters, its locals, the consts and the
// other functions — never a pipeline's params or `worker`.
#include <unordered_set>

#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Type;
using K = Type::Kind;

namespace {

bool blockTerminates(const ast::Block& block);

/// Whether `body` contains a `break` that leaves the loop it belongs to
/// (not one of a loop nested inside it).
bool hasOwnBreak(const ast::Block& body) {
  for (const auto& s : body.stmts) {
    if (!s) continue;
    switch (s->kind) {
      case ast::Stmt::Kind::Break:
        return true;
      case ast::Stmt::Kind::If: {
        const auto& i = llvm::cast<ast::IfStmt>(*s);
        if (hasOwnBreak(i.then) || (i.otherwise && hasOwnBreak(*i.otherwise))) return true;
        break;
      }
      case ast::Stmt::Kind::Send: {
        const auto& send = llvm::cast<ast::SendStmt>(*s);
        if (send.otherwise && hasOwnBreak(*send.otherwise)) return true;
        break;
      }
      default:
        break;  // a nested for/while owns its own breaks
    }
  }
  return false;
}

/// A statement after which control never reaches the next one: `return`,
/// `fail`, an `if` whose branches all terminate, a `while true` without a
/// `break`. The same rule as Go's terminating statements, so the C++
/// compiler agrees that a function returns on every path.
bool stmtTerminates(const ast::Stmt& s) {
  switch (s.kind) {
    case ast::Stmt::Kind::Return:
    case ast::Stmt::Kind::Fail:
      return true;
    case ast::Stmt::Kind::If: {
      const auto& i = llvm::cast<ast::IfStmt>(s);
      return i.otherwise && blockTerminates(i.then) && blockTerminates(*i.otherwise);
    }
    case ast::Stmt::Kind::While: {
      const auto& w = llvm::cast<ast::WhileStmt>(s);
      auto* lit = llvm::dyn_cast_or_null<ast::BoolLit>(w.cond.get());
      return lit && lit->value && !hasOwnBreak(w.body);
    }
    default:
      return false;
  }
}

bool blockTerminates(const ast::Block& block) {
  for (const auto& s : block.stmts)
    if (s && stmtTerminates(*s)) return true;
  return false;
}

std::string typeText(const ast::TypeRef& ref) {
  if (ref.resolved && !ref.resolved->isError()) return ref.resolved->str();
  if (ref.kind == ast::TypeRef::Kind::List) return "[" + (ref.element ? typeText(*ref.element) : "?") + "]";
  return ref.name;
}

/// The `}` that closes `block` (its last character), for "missing return".
SourceRange closingBrace(const ast::Block& block) {
  if (!block.range.end.isValid()) return block.range;
  llvm::SMLoc last = llvm::SMLoc::getFromPointer(block.range.end.getPointer() - 1);
  return {last, block.range.end};
}

}  // namespace

std::string Sema::signatureOf(std::string_view name, const std::vector<ast::FnParam>& params,
                              const std::optional<ast::TypeRef>& result) const {
  std::string out = "fn " + std::string(name) + "(";
  for (std::size_t i = 0; i < params.size(); ++i)
    out += (i ? ", " : "") + params[i].name.name + ": " + typeText(params[i].type);
  out += ")";
  if (result) out += " -> " + typeText(*result);
  return out;
}

void Sema::declareFns() {
  for (auto& fn : module_.fns) {
    if (!fn) continue;
    const std::string& name = fn->name.name;
    if (isErrorName(name)) {
      // The parser already reported the missing name; still resolve types.
    } else if (builtinByName(name) != ast::Builtin::None) {
      diags_.report(DiagKind::DuplicateName, fn->name.range,
                    "function `" + name + "` has the name of a built-in function; choose another name");
    } else if (auto ext = externs_.find(name); ext != externs_.end()) {
      // Whichever comes second in the file is the duplicate.
      SourceRange externRange = ext->second->name.range;
      if (externRange.begin.getPointer() < fn->name.range.begin.getPointer())
        reportDuplicate("function", name, fn->name.range, externRange);
      else
        reportDuplicate("function", name, externRange, fn->name.range);
    } else {
      auto [it, fresh] = fns_.emplace(name, fn.get());
      if (!fresh) reportDuplicate("function", name, fn->name.range, it->second->name.range);
    }
    // A parameter named twice is reported when the body's scope is built.
    for (auto& p : fn->params) resolveType(p.type);
    if (fn->result) resolveType(*fn->result);
  }
}

void Sema::checkFns() {
  for (auto& fn : module_.fns)
    if (fn) checkFnBody(*fn);
  markRecursiveFns();
}

void Sema::checkFnBody(ast::FnDecl& fn) {
  fn_ = &fn;
  stage_ = nullptr;
  context_ = ExprContext::Body;
  locals_.clear();
  scopeStarts_.clear();
  loopDepth_ = 0;
  inFinally_ = false;

  // Parameters and the body's top-level locals form one block for
  // duplicates (declareLocal), as in Go: `let x` may not hide parameter x.
  pushScope();
  for (const auto& p : fn.params)
    declareLocal(p.name.name, p.name.range, ast::NameRef::Kind::FnParam, &p,
                 p.type.resolved ? p.type.resolved : types_.errorType(), false, false);
  pushScope();
  for (auto& s : fn.body.stmts)
    if (s) checkStmt(*s);
  popScope();
  popScope();

  const Type* result = fn.result ? fn.result->resolved : nullptr;
  if (result && !isErrorish(result) && !blockTerminates(fn.body))
    diags_
        .report(DiagKind::MissingReturn, closingBrace(fn.body),
                "missing `return` at the end of function `" + fn.name.name +
                    "`; every path must `return` a value of type `" + result->str() + "` or `fail`")
        .note(fn.result->range, "`" + fn.name.name + "` returns `" + result->str() + "`");
  fn_ = nullptr;
  context_ = ExprContext::Module;
}

void Sema::checkReturn(ast::ReturnStmt& s) {
  if (!fn_) {
    if (!s.value) return;
    checkValue(s.value.get());
    diags_.report(DiagKind::BadReturn, s.value->range,
                  "`return` in a stage body takes no value; send the value with `emit`, then `return`");
    return;
  }
  const std::string& name = fn_->name.name;
  const Type* want = fn_->result ? fn_->result->resolved : nullptr;
  if (!fn_->result) {
    if (!s.value) return;
    checkValue(s.value.get());
    diags_
        .report(DiagKind::BadReturn, s.value->range,
                "function `" + name +
                    "` returns nothing, so its `return` takes no value; declare a result: `" +
                    signatureOf(name, fn_->params, std::nullopt) + " -> T`")
        .note(fn_->name.range, "`" + name + "` declared here");
    return;
  }
  if (!s.value) {
    if (!isErrorish(want))
      diags_.report(DiagKind::BadReturn, s.range,
                    "`return` in function `" + name + "` needs a value of type `" + want->str() + "`");
    return;
  }
  expectType(want ? want : types_.errorType(), s.value.get(), "the value returned by `" + name + "`");
}

bool Sema::reportIfInFunction(SourceRange range, const std::string& what) {
  if (!fn_) return false;
  diags_
      .report(
          DiagKind::NotInFunction, range,
          what + " is not allowed in function `" + fn_->name.name +
              "`; a function only computes a value, the stage that calls it sends, sleeps and keeps state")
      .note(fn_->name.range, "`" + fn_->name.name + "` declared here");
  return true;
}

void Sema::markRecursiveFns() {
  // Small graphs (a module's functions): a walk from each function's callees.
  for (auto& fn : module_.fns) {
    if (!fn) continue;
    std::unordered_set<const ast::FnDecl*> seen;
    std::vector<const ast::FnDecl*> work;
    if (auto it = calls_.find(fn.get()); it != calls_.end()) work = it->second;
    while (!work.empty()) {
      const ast::FnDecl* f = work.back();
      work.pop_back();
      if (f == fn.get()) {
        fn->isRecursive = true;
        break;
      }
      if (!seen.insert(f).second) continue;
      if (auto it = calls_.find(f); it != calls_.end())
        work.insert(work.end(), it->second.begin(), it->second.end());
    }
  }
}

}  // namespace flow::sema
