// sema/check_expr.cpp — type checking of expressions (docs/language.md, "Stage
// bodies"): names, field access, indexing, unary and binary operators, list,
// record and string literals. Sets Expr::type on every expression it visits
// (the Error type after a reported mistake, so one mistake gives one message)
// and the resolved declarations (NameExpr::ref, RecordLit::decl). Calls are
// checked in builtins.cpp; constant folding is const_eval.cpp's.
//
// Operator typing (no implicit conversions but int → float next to a float):
//   + - * / %   int·int → int; float·float, int·float, float·int → float;
//               string + string; duration ± duration; duration * int, int * duration
//   & | ^ << >> ~   ints only
//   == !=       any two values of one type (int/float mixed compares as float);
//               records field by field, lists element by element, maps
//               by their entries
//   < <= > >=   ints, floats (mixed), strings, durations
//   && || !     bools
#include <unordered_map>

#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Type;
using K = Type::Kind;

const Type* Sema::checkValue(ast::Expr* expr, const Type* expected) {
  const Type* t = checkExpr(expr, expected);
  if (!t->is(K::Void)) return t;
  std::string what = "this expression";
  if (auto* call = llvm::dyn_cast<ast::CallExpr>(expr)) what = "`" + call->callee.name + "(…)`";
  diags_.report(DiagKind::VoidValue, expr->range, what + " returns no value");
  return types_.errorType();
}

const Type* Sema::checkExpr(ast::Expr* expr, const Type* expected) {
  if (!expr) return types_.errorType();
  const Type* t = types_.errorType();
  switch (expr->kind) {
    case ast::Expr::Kind::IntLit:
      t = types_.intType();
      break;
    case ast::Expr::Kind::FloatLit:
      t = types_.floatType();
      break;
    case ast::Expr::Kind::BoolLit:
      t = types_.boolType();
      break;
    case ast::Expr::Kind::DurationLit:
      t = types_.durationType();
      break;
    case ast::Expr::Kind::StringLit:
      t = checkString(*llvm::cast<ast::StringLit>(expr));
      break;
    case ast::Expr::Kind::ListLit:
      t = checkList(*llvm::cast<ast::ListLit>(expr), expected);
      break;
    case ast::Expr::Kind::MapLit:
      t = checkMap(*llvm::cast<ast::MapLit>(expr), expected);
      break;
    case ast::Expr::Kind::RecordLit:
      t = checkRecordLit(*llvm::cast<ast::RecordLit>(expr));
      break;
    case ast::Expr::Kind::Name:
      t = checkName(*llvm::cast<ast::NameExpr>(expr));
      break;
    case ast::Expr::Kind::Field:
      t = checkField(*llvm::cast<ast::FieldExpr>(expr));
      break;
    case ast::Expr::Kind::Index:
      t = checkIndex(*llvm::cast<ast::IndexExpr>(expr));
      break;
    case ast::Expr::Kind::Call:
      t = checkCall(*llvm::cast<ast::CallExpr>(expr));
      break;
    case ast::Expr::Kind::Unary:
      t = checkUnary(*llvm::cast<ast::UnaryExpr>(expr));
      break;
    case ast::Expr::Kind::Binary:
      t = checkBinary(*llvm::cast<ast::BinaryExpr>(expr));
      break;
  }
  expr->type = t ? t : types_.errorType();
  return expr->type;
}

const Type* Sema::checkString(ast::StringLit& e) {
  for (auto& p : e.pieces) {
    if (!p.expr) continue;
    const Type* t = checkValue(p.expr.get());
    if (p.spec && !isErrorish(t)) checkFormatSpec(*p.spec, t);
  }
  return types_.stringType();
}

void Sema::checkFormatSpec(const ast::FormatSpec& spec, const Type* t) {
  // Width, fill and alignment lay out any printed value; the rest is typed.
  if (spec.type != 0 && !t->is(K::Int))
    diags_.report(DiagKind::FormatSpecMismatch, spec.typeRange,
                  std::string("format type `") + spec.type + "` prints an int in another base, found `" +
                      t->str() + "`");
  if (spec.precision >= 0 && !t->is(K::Float) && !t->is(K::String))
    diags_.report(DiagKind::FormatSpecMismatch, spec.precisionRange,
                  "a precision applies to floats (digits after the point) and strings (at most that many "
                  "characters), found `" +
                      t->str() + "`");
  if (spec.zero && !t->isNumeric())
    diags_.report(DiagKind::FormatSpecMismatch, spec.zeroRange,
                  "zero padding applies to ints and floats, found `" + t->str() +
                      "`; to pad with zeros anyway, "
                      "make `0` the fill: `{x:0>" +
                      std::to_string(spec.width) + "}`");
}

namespace {
/// Whether `stage`'s body declares `state NAME`.
bool declaresState(const ast::StageDecl& stage, const std::string& name) {
  for (const auto& st : stage.body.stmts)
    if (const auto* state = llvm::dyn_cast_or_null<ast::StateStmt>(st.get());
        state && state->name.name == name)
      return true;
  return false;
}
}  // namespace

const Type* Sema::checkName(ast::NameExpr& e) {
  if (isErrorName(e.name)) return types_.errorType();
  if (context_ == ExprContext::Test && testPipeline_) {
    bool found = false;
    const Type* t = checkTestName(e, found);
    if (found) return t;
  }
  if (context_ == ExprContext::Body) {
    if (LocalInfo* l = lookupLocal(e.name)) {
      l->used = true;
      e.ref = {l->kind, l->decl};
      return l->type ? l->type : types_.errorType();
    }
  }
  if (context_ == ExprContext::Pipeline || context_ == ExprContext::Body) {
    if (auto it = members_.find(e.name); it != members_.end()) {
      MemberInfo& m = it->second;
      switch (m.kind) {
        case MemberInfo::Kind::Param:
          m.used = true;
          e.ref = {ast::NameRef::Kind::Param, m.param};
          return m.param->type.resolved ? m.param->type.resolved : types_.errorType();
        case MemberInfo::Kind::Channel:
          diags_
              .report(DiagKind::NotAValue, e.range,
                      "`" + e.name +
                          "` is a channel, not a value; a stage reads it with `from` and writes it with `<-`")
              .note(m.range, "`" + e.name + "` declared here");
          return types_.errorType();
        case MemberInfo::Kind::Stage:
          diags_.report(DiagKind::NotAValue, e.range, "`" + e.name + "` is a stage, not a value")
              .note(m.range, "`" + e.name + "` declared here");
          return types_.errorType();
      }
    }
  }
  if (auto it = consts_.find(e.name); it != consts_.end()) {
    if (it->second.state == ConstInfo::State::Checking) {
      diags_.report(DiagKind::ConstCycle, e.range, "const `" + e.name + "` is defined in terms of itself")
          .note(it->second.decl->name.range, "`" + e.name + "` declared here");
      return types_.errorType();
    }
    ConstInfo* info = ensureConstChecked(e.name);
    e.ref = {ast::NameRef::Kind::Const, info->decl};
    const ast::Expr* v = info->decl->value.get();
    if (!v || !v->type || v->type->is(K::Void) || info->result.state == ConstResult::State::Invalid)
      return types_.errorType();
    return v->type;
  }
  if (auto it = typeDecls_.find(e.name); it != typeDecls_.end()) {
    diags_.report(DiagKind::NotAValue, e.range,
                  "`" + e.name + "` is a type, not a value; build one with `" + e.name + "{…}`");
    return types_.errorType();
  }
  if (builtinByName(e.name) != ast::Builtin::None || externs_.count(e.name) || fns_.count(e.name)) {
    diags_.report(DiagKind::NotAValue, e.range, "`" + e.name + "` is a function, not a value; call it");
    return types_.errorType();
  }
  if (e.name == "Failed") {
    // The token filter folds a whole `Failed<T>{…}` literal into this name.
    diags_.report(DiagKind::NotAValue, e.range,
                  "a `Failed<T>` is made by `on_error route` from an item that failed, and cannot be built "
                  "in code; to send an error on yourself, emit a record of your own with an `error` field");
    return types_.errorType();
  }
  std::string hint = didYouMean(e.name, visibleValueNames());
  if (hint.empty() && (e.name == "True" || e.name == "TRUE")) hint = "; did you mean `true`?";
  if (hint.empty() && (e.name == "False" || e.name == "FALSE")) hint = "; did you mean `false`?";
  if (hint.empty() && (e.name == "nil" || e.name == "null" || e.name == "None" || e.name == "NULL"))
    hint = "; Flow has no null value: every variable holds a value of its type";
  if (hint.empty() && e.name == "worker" && (context_ != ExprContext::Body || fn_))
    hint = "; `worker` exists only inside stage bodies";
  if (hint.empty() && fn_) {
    for (const auto& p : module_.pipelines) {
      if (!p) continue;
      for (const auto& param : p->params)
        if (param && param->name.name == e.name && hint.empty())
          hint = "; a function does not see the params of a pipeline: pass `" + e.name + "` as an argument";
    }
  }
  if (inKey_ && stage_ && (e.name == "worker" || declaresState(*stage_, e.name)))
    hint =
        "; `key` picks the worker before any worker runs, so it sees only the item and the pipeline's "
        "params and consts, not `" +
        e.name + "`";
  if (hint.empty() && inFinally_)
    for (const auto& l : locals_)
      if (l.hidden && l.name == e.name)
        hint =
            inEvery_
                ? "; `every` runs between items, so it sees only `state`, `worker` and the pipeline's names"
                : "; `finally` runs after the last item, so it sees only `state`, `worker` and the "
                  "pipeline's names";
  // A declaration the parser lost may have been this name.
  if (!module_.lostDecl && !(pipeline_ && pipeline_->lostMember))
    diags_.report(DiagKind::UnknownName, e.range, "unknown name `" + e.name + "`" + hint);
  return types_.errorType();
}

const Type* Sema::checkField(ast::FieldExpr& e) {
  if (context_ == ExprContext::Test && testPipeline_) {
    bool found = false;
    const Type* t = checkTestCounter(e, found);
    if (found) return t;
  }
  const Type* base = checkValue(e.base.get());
  if (isErrorish(base)) return types_.errorType();
  if (base->is(K::Failed)) return checkFailedField(e, base);
  if (!base->is(K::Record)) {
    diags_.report(DiagKind::UnknownField, e.field.range,
                  "a value of type `" + base->str() + "` has no field `" + e.field.name +
                      "`; only records have fields");
    return types_.errorType();
  }
  const ast::TypeDecl& decl = *base->record();
  if (isErrorName(e.field.name) || decl.hasSyntaxError) return types_.errorType();
  if (const ast::FieldDecl* f = findField(decl, e.field.name))
    return f->type.resolved ? f->type.resolved : types_.errorType();
  std::vector<std::string> names;
  for (const auto& f : decl.fields) names.push_back(f.name.name);
  diags_
      .report(
          DiagKind::UnknownField, e.field.range,
          "type `" + decl.name + "` has no field `" + e.field.name + "`" + didYouMean(e.field.name, names))
      .note(decl.nameRange, "`" + decl.name + "` declared here");
  return types_.errorType();
}

const Type* Sema::checkFailedField(ast::FieldExpr& e, const Type* failed) {
  const std::string& n = e.field.name;
  if (n == "item") return failed->element();
  if (n == "error" || n == "stage") return types_.stringType();
  if (n == "attempts") return types_.intType();
  if (isErrorName(n)) return types_.errorType();
  diags_.report(DiagKind::UnknownField, e.field.range,
                "type `" + failed->str() + "` has no field `" + n + "`" +
                    didYouMean(n, {"attempts", "error", "item", "stage"}) +
                    "; its fields are `item`, `error`, `stage` and `attempts`");
  return types_.errorType();
}

const Type* Sema::checkIndex(ast::IndexExpr& e) {
  const Type* base = checkValue(e.base.get());
  if (!isErrorish(base) && base->is(K::Map)) {
    bool keyOk = expectType(base->key(), e.index.get(), "a key of `" + base->str() + "`");
    return keyOk ? base->element() : types_.errorType();
  }
  bool indexOk = expectType(types_.intType(), e.index.get(), "a list index");
  if (isErrorish(base)) return types_.errorType();
  if (!base->is(K::List)) {
    diags_.report(DiagKind::InvalidOperands, e.base->range,
                  "cannot index a value of type `" + base->str() + "`; only lists and maps can be indexed");
    return types_.errorType();
  }
  return indexOk ? base->element() : types_.errorType();
}

const Type* Sema::checkUnary(ast::UnaryExpr& e) {
  const Type* t = checkValue(e.operand.get());
  if (isErrorish(t)) return types_.errorType();
  switch (e.op) {
    case ast::UnaryOp::Neg:
      if (t->isNumeric() || t->is(K::Duration)) return t;
      break;
    case ast::UnaryOp::Not:
      if (t->is(K::Bool)) return t;
      break;
    case ast::UnaryOp::BitNot:
      if (t->is(K::Int)) return t;
      break;
  }
  diags_.report(
      DiagKind::InvalidOperands, e.range,
      std::string("operator `") + ast::spelling(e.op) + "` cannot be applied to `" + t->str() + "`");
  return types_.errorType();
}

const Type* Sema::binaryResult(ast::BinaryOp op, const Type* l, const Type* r) const {
  using Op = ast::BinaryOp;
  const Type* numeric = nullptr;  // int·int → int, anything with a float → float
  if (l->isNumeric() && r->isNumeric())
    numeric = (l->is(K::Float) || r->is(K::Float)) ? types_.floatType() : types_.intType();
  bool bothInt = l->is(K::Int) && r->is(K::Int);
  switch (op) {
    case Op::Add:
      if (l->is(K::String) && r->is(K::String)) return l;
      [[fallthrough]];
    case Op::Sub:
      if (l->is(K::Duration) && r->is(K::Duration)) return l;
      return numeric;
    case Op::Mul:
      if (l->is(K::Duration) && r->is(K::Int)) return l;
      if (l->is(K::Int) && r->is(K::Duration)) return r;
      return numeric;
    case Op::Div:
      // duration / int scales a duration; duration / duration is a ratio.
      if (l->is(K::Duration) && r->is(K::Int)) return l;
      if (l->is(K::Duration) && r->is(K::Duration)) return types_.intType();
      return numeric;
    case Op::Rem:
      return numeric;
    case Op::BitAnd:
    case Op::BitOr:
    case Op::BitXor:
    case Op::Shl:
    case Op::Shr:
      return bothInt ? l : nullptr;
    case Op::Eq:
    case Op::Ne:
      return (l == r || numeric) ? types_.boolType() : nullptr;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      if (numeric) return types_.boolType();
      return (l == r && (l->is(K::String) || l->is(K::Duration))) ? types_.boolType() : nullptr;
    case Op::And:
    case Op::Or:
      return (l->is(K::Bool) && r->is(K::Bool)) ? l : nullptr;
  }
  return nullptr;
}

const Type* Sema::checkBinary(ast::BinaryExpr& e) {
  const Type* l = checkValue(e.lhs.get());
  // `xs == []`, `m == {}`: the empty literal takes the other side's type.
  const Type* r = checkValue(e.rhs.get(), l->is(K::List) || l->is(K::Map) ? l : nullptr);
  if (isErrorish(l) || isErrorish(r)) return types_.errorType();
  if (const Type* t = binaryResult(e.op, l, r)) return t;
  std::string hint;
  bool oneString = l->is(K::String) != r->is(K::String);
  if (e.op == ast::BinaryOp::Add && oneString)
    hint = "; convert with `str(…)` or use interpolation `\"…{x}…\"`";
  else if ((l->is(K::Duration) || r->is(K::Duration)) &&
           (e.op == ast::BinaryOp::Add || e.op == ast::BinaryOp::Sub))
    hint = "; write the number as a duration, e.g. `5ms`";
  else if (e.op == ast::BinaryOp::Mul && (l->is(K::Duration) || r->is(K::Duration)))
    hint = "; a duration can be multiplied by an int only";
  else if (e.op == ast::BinaryOp::Div && (l->is(K::Duration) || r->is(K::Duration)))
    hint = "; a duration can be divided by an int or by a duration only";
  else if (e.op == ast::BinaryOp::Rem && (l->is(K::Duration) || r->is(K::Duration)))
    hint = "; `%` takes ints and floats only";
  diags_.report(DiagKind::InvalidOperands, e.opRange,
                std::string("operator `") + ast::spelling(e.op) + "` cannot be applied to `" + l->str() +
                    "` and `" + r->str() + "`" + hint);
  return types_.errorType();
}

const Type* Sema::checkList(ast::ListLit& e, const Type* expected) {
  const Type* want = (expected && expected->is(K::List)) ? expected->element() : nullptr;
  if (e.elements.empty()) {
    if (want) return expected;
    if (expected && isErrorish(expected)) return types_.errorType();  // the type's mistake is reported
    diags_.report(DiagKind::EmptyListType, e.range,
                  "cannot tell the element type of the empty list `[]`; give the declaration a type "
                  "(`var xs: [int] = []`), use it where a list type is known (a field default, a send, a "
                  "comparison, `append`) or give it a first element");
    return types_.errorType();
  }
  const Type* first = checkValue(e.elements.front().get(), want);
  bool ok = !isErrorish(first);
  for (std::size_t i = 1; i < e.elements.size(); ++i) {
    if (!ok) {
      checkValue(e.elements[i].get(), want);
      continue;
    }
    ok = expectType(first, e.elements[i].get(), "list element " + std::to_string(i + 1)) && ok;
  }
  return ok ? types_.listOf(first) : types_.errorType();
}

const Type* Sema::checkRecordLit(ast::RecordLit& e) {
  if (isErrorName(e.typeName.name)) {
    for (auto& f : e.fields) checkValue(f.value.get());
    return types_.errorType();
  }
  auto it = typeDecls_.find(e.typeName.name);
  if (it == typeDecls_.end() && module_.lostDecl) {
    for (auto& f : e.fields) checkValue(f.value.get());
    return types_.errorType();
  }
  if (it == typeDecls_.end()) {
    std::vector<std::string> names;
    for (const auto& [name, decl] : typeDecls_) names.emplace_back(name);
    std::sort(names.begin(), names.end());
    diags_.report(DiagKind::UnknownType, e.typeName.range,
                  "unknown type `" + e.typeName.name + "`" + didYouMean(e.typeName.name, names));
    for (auto& f : e.fields) checkValue(f.value.get());
    return types_.errorType();
  }
  const ast::TypeDecl& decl = *it->second;
  e.decl = &decl;
  if (decl.hasSyntaxError) {
    // Its fields may be missing: check the values only.
    for (auto& f : e.fields) checkValue(f.value.get());
    return types_.recordOf(&decl);
  }
  std::unordered_map<std::string_view, SourceRange> given;
  for (auto& init : e.fields) {
    auto [git, fresh] = given.emplace(init.name.name, init.name.range);
    if (!fresh) {
      diags_
          .report(DiagKind::DuplicateField, init.name.range,
                  "field `" + init.name.name + "` is given twice in this `" + decl.name + "` literal")
          .note(git->second, "first given here");
      checkValue(init.value.get());
      continue;
    }
    const ast::FieldDecl* field = findField(decl, init.name.name);
    if (!field && isErrorName(init.name.name)) {
      checkValue(init.value.get());
      continue;
    }
    if (!field) {
      std::vector<std::string> names;
      for (const auto& f : decl.fields) names.push_back(f.name.name);
      diags_
          .report(DiagKind::UnknownField, init.name.range,
                  "type `" + decl.name + "` has no field `" + init.name.name + "`" +
                      didYouMean(init.name.name, names))
          .note(decl.nameRange, "`" + decl.name + "` declared here");
      checkValue(init.value.get());
      continue;
    }
    const Type* want = field->type.resolved ? field->type.resolved : types_.errorType();
    expectType(want, init.value.get(), "field `" + init.name.name + "` of `" + decl.name + "`");
  }
  std::vector<std::string> missing;
  for (const auto& f : decl.fields)
    if (!f.defaultValue && !given.count(f.name.name)) missing.push_back(f.name.name);
  if (!missing.empty()) {
    diags_
        .report(DiagKind::MissingField, e.typeName.range,
                std::string(missing.size() == 1 ? "missing field " : "missing fields ") + joinNames(missing) +
                    " in this `" + decl.name + "` literal; only fields with a default may be left out")
        .note(decl.nameRange, "`" + decl.name + "` declared here");
  }
  // A literal with a wrong field still has a well-known type: no cascade.
  return types_.recordOf(&decl);
}

}  // namespace flow::sema
