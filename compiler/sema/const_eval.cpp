// sema/const_eval.cpp — module-level consts and constant expressions:
// capacities, workers, timeouts, retry counts, backoffs, deadline, monitor,
// param and field defaults. A constant expression uses literals, consts and
// (inside a pipeline) params, combined with operators; no calls, no locals.
// Values over params are known only at run time (ConstResult::Runtime), so
// range checks (workers >= 1, …) run only on values known now; the runtime
// checks the rest. Arithmetic folds exactly as the generated code computes
// it (ints wrap in two's complement, as in Go). Does not type-check: the
// expression is checked by check_expr.cpp first and must carry its types.
#include <cmath>

#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Type;
using State = ConstResult::State;

namespace {

ConstResult known(ConstValue v) { return {State::Known, std::move(v)}; }
ConstResult invalid() { return {State::Invalid, {}}; }
ConstResult runtime() { return {State::Runtime, {}}; }

ConstValue intValue(std::int64_t i) { return {ConstValue::Kind::Int, i, 0, {}}; }
ConstValue boolValue(bool b) { return {ConstValue::Kind::Bool, b ? 1 : 0, 0, {}}; }
ConstValue floatValue(double f) { return {ConstValue::Kind::Float, 0, f, {}}; }
ConstValue durationValue(std::int64_t ns) { return {ConstValue::Kind::Duration, ns, 0, {}}; }

double asDouble(const ConstValue& v) {
  return v.kind == ConstValue::Kind::Float ? v.f : static_cast<double>(v.i);
}

// Two's complement wrap-around without signed-overflow UB.
std::int64_t wrapAdd(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrapSub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrapMul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

template <typename T>
std::optional<bool> compare(ast::BinaryOp op, const T& a, const T& b) {
  switch (op) {
    case ast::BinaryOp::Eq:
      return a == b;
    case ast::BinaryOp::Ne:
      return a != b;
    case ast::BinaryOp::Lt:
      return a < b;
    case ast::BinaryOp::Le:
      return a <= b;
    case ast::BinaryOp::Gt:
      return a > b;
    case ast::BinaryOp::Ge:
      return a >= b;
    case ast::BinaryOp::Add:
    case ast::BinaryOp::Sub:
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::Div:
    case ast::BinaryOp::Rem:
    case ast::BinaryOp::BitAnd:
    case ast::BinaryOp::BitOr:
    case ast::BinaryOp::BitXor:
    case ast::BinaryOp::Shl:
    case ast::BinaryOp::Shr:
    case ast::BinaryOp::And:
    case ast::BinaryOp::Or:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::string formatDuration(std::int64_t ns) {
  if (ns == 0) return "0s";
  struct Unit {
    std::int64_t size;
    const char* name;
  };
  static constexpr Unit units[] = {{3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
                                   {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
  for (const Unit& u : units)
    if (ns % u.size == 0) return std::to_string(ns / u.size) + u.name;
  return std::to_string(ns) + "ns";
}

void Sema::checkConsts() {
  for (auto& c : module_.consts) {
    if (!c) continue;
    auto it = consts_.find(c->name.name);
    if (it != consts_.end() && it->second.decl == c.get()) {
      ensureConstChecked(c->name.name);
      continue;
    }
    // A duplicate: still report the mistakes inside it.
    ExprContext saved = context_;
    context_ = ExprContext::Module;
    checkValue(c->value.get());
    context_ = saved;
  }
}

ConstInfo* Sema::ensureConstChecked(std::string_view name) {
  auto it = consts_.find(name);
  if (it == consts_.end()) return nullptr;
  ConstInfo& info = it->second;
  if (info.state != ConstInfo::State::Unchecked) return &info;
  if (info.decl->hasSyntaxError) {  // the parser reported it; its value is a guess
    info.result = invalid();
    info.state = ConstInfo::State::Done;
    return &info;
  }
  info.state = ConstInfo::State::Checking;
  // A const may be reached from inside a body (checked lazily on first use):
  // its value sees module-level names only.
  ExprContext saved = context_;
  context_ = ExprContext::Module;
  ast::Expr* value = info.decl->value.get();
  const Type* t = checkValue(value);
  context_ = saved;
  if (!isErrorish(t) && (t->is(Type::Kind::List) || t->is(Type::Kind::Map) || t->is(Type::Kind::Record))) {
    diags_.report(DiagKind::ConstNotPrimitive, value->range,
                  "const `" + info.decl->name.name + "` has type `" + t->str() +
                      "`; a const must be an int, float, bool, string or duration");
    info.result = invalid();
  } else {
    info.result = evalConst(value, /*report=*/true);
  }
  info.state = ConstInfo::State::Done;
  return &info;
}

ConstResult Sema::checkConstExpr(ast::Expr* expr, const Type* want, ExprContext ctx,
                                 const std::string& what) {
  ExprContext saved = context_;
  context_ = ctx;
  if (want)
    expectType(want, expr, what);
  else
    checkValue(expr);
  context_ = saved;
  return evalConst(expr, /*report=*/true);
}

void Sema::requirePositiveDuration(const ConstResult& r, const ast::Expr* expr, std::string_view what) {
  if (!r.isKnown() || r.value.kind != ConstValue::Kind::Duration || r.value.i > 0) return;
  diags_.report(
      DiagKind::NonPositiveDuration, expr->range,
      std::string(what) + " must be a positive duration, found `" + formatDuration(r.value.i) + "`");
}

ConstResult Sema::evalConst(const ast::Expr* expr, bool report) {
  if (!expr || !expr->type || isErrorish(expr->type)) return invalid();
  auto notConstant = [&](const std::string& why) {
    if (report)
      diags_.report(DiagKind::NotConstant, expr->range,
                    why + "; a constant expression may use only literals, consts and params");
    return invalid();
  };
  switch (expr->kind) {
    case ast::Expr::Kind::IntLit:
      return known(intValue(llvm::cast<ast::IntLit>(expr)->value));
    case ast::Expr::Kind::FloatLit:
      return known(floatValue(llvm::cast<ast::FloatLit>(expr)->value));
    case ast::Expr::Kind::BoolLit:
      return known(boolValue(llvm::cast<ast::BoolLit>(expr)->value));
    case ast::Expr::Kind::DurationLit:
      return known(durationValue(llvm::cast<ast::DurationLit>(expr)->nanoseconds));
    case ast::Expr::Kind::StringLit: {
      auto* s = llvm::cast<ast::StringLit>(expr);
      // Interpolation would need the runtime's float formatting: valid, not
      // folded.
      if (s->isPlain()) return known({ConstValue::Kind::String, 0, 0, s->plainText()});
      ConstResult r = runtime();
      for (const auto& p : s->pieces)
        if (p.expr && evalConst(p.expr.get(), report).state == State::Invalid) r = invalid();
      return r;
    }
    case ast::Expr::Kind::ListLit: {
      ConstResult r = runtime();
      for (const auto& e : llvm::cast<ast::ListLit>(expr)->elements)
        if (evalConst(e.get(), report).state == State::Invalid) r = invalid();
      return r;
    }
    case ast::Expr::Kind::MapLit: {
      ConstResult r = runtime();
      for (const auto& entry : llvm::cast<ast::MapLit>(expr)->entries)
        if (evalConst(entry.key.get(), report).state == State::Invalid ||
            evalConst(entry.value.get(), report).state == State::Invalid)
          r = invalid();
      return r;
    }
    case ast::Expr::Kind::RecordLit: {
      ConstResult r = runtime();
      for (const auto& f : llvm::cast<ast::RecordLit>(expr)->fields)
        if (evalConst(f.value.get(), report).state == State::Invalid) r = invalid();
      return r;
    }
    case ast::Expr::Kind::Name: {
      auto* n = llvm::cast<ast::NameExpr>(expr);
      switch (n->ref.kind) {
        case ast::NameRef::Kind::Const: {
          auto* decl = static_cast<const ast::ConstDecl*>(n->ref.decl);
          auto it = consts_.find(decl->name.name);
          if (it == consts_.end() || it->second.state != ConstInfo::State::Done) return invalid();
          return it->second.result;
        }
        case ast::NameRef::Kind::Param:
          return runtime();
        case ast::NameRef::Kind::Unresolved:
          return invalid();
        case ast::NameRef::Kind::Local:
        case ast::NameRef::Kind::FnParam:
        case ast::NameRef::Kind::Function:
        case ast::NameRef::Kind::Worker:
        case ast::NameRef::Kind::Item:
        case ast::NameRef::Kind::State:
        case ast::NameRef::Kind::TestChannel:
        case ast::NameRef::Kind::TestStage:
        case ast::NameRef::Kind::TestResult:
          return notConstant("`" + n->name + "` is not a constant");
      }
      return invalid();
    }
    case ast::Expr::Kind::Call:
      return notConstant("a call of `" + llvm::cast<ast::CallExpr>(expr)->callee.name +
                         "` is not a constant");
    case ast::Expr::Kind::Field:
    case ast::Expr::Kind::Index:
      return notConstant("this is not a constant");
    case ast::Expr::Kind::Unary: {
      auto* u = llvm::cast<ast::UnaryExpr>(expr);
      ConstResult r = evalConst(u->operand.get(), report);
      if (!r.isKnown()) return r;
      ConstValue v = r.value;
      switch (u->op) {
        case ast::UnaryOp::Neg:
          if (v.kind == ConstValue::Kind::Float) return known(floatValue(-v.f));
          v.i = wrapSub(0, v.i);
          return known(v);
        case ast::UnaryOp::Not:
          return known(boolValue(v.i == 0));
        case ast::UnaryOp::BitNot:
          return known(intValue(~v.i));
      }
      return invalid();
    }
    case ast::Expr::Kind::Binary:
      break;
  }
  auto* b = llvm::cast<ast::BinaryExpr>(expr);
  ConstResult l = evalConst(b->lhs.get(), report);
  ConstResult r = evalConst(b->rhs.get(), report);
  if (l.state == State::Invalid || r.state == State::Invalid) return invalid();
  if (l.state == State::Runtime || r.state == State::Runtime) return runtime();
  const ConstValue& a = l.value;
  const ConstValue& c = r.value;
  using K = ConstValue::Kind;
  using Op = ast::BinaryOp;
  if (b->op == Op::And) return known(boolValue(a.i && c.i));
  if (b->op == Op::Or) return known(boolValue(a.i || c.i));
  if (a.kind == K::String) {
    if (b->op == Op::Add) return known({K::String, 0, 0, a.s + c.s});
    if (auto cmp = compare(b->op, a.s, c.s)) return known(boolValue(*cmp));
    return runtime();
  }
  if (a.kind == K::Float || c.kind == K::Float) {
    double x = asDouble(a), y = asDouble(c);
    if (auto cmp = compare(b->op, x, y)) return known(boolValue(*cmp));
    switch (b->op) {
      case Op::Add:
        return known(floatValue(x + y));
      case Op::Sub:
        return known(floatValue(x - y));
      case Op::Mul:
        return known(floatValue(x * y));
      case Op::Div:
        return known(floatValue(x / y));
      case Op::Rem:
        return known(floatValue(std::fmod(x, y)));
      case Op::BitAnd:
      case Op::BitOr:
      case Op::BitXor:
      case Op::Shl:
      case Op::Shr:
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
      case Op::And:
      case Op::Or:
        return runtime();
    }
    return runtime();
  }
  if (a.kind == K::Bool) {
    if (auto cmp = compare(b->op, a.i, c.i)) return known(boolValue(*cmp));
    return runtime();
  }
  // int and duration share the int64 representation; the result kind is a
  // duration when either side is one (duration * int, duration + duration).
  if (auto cmp = compare(b->op, a.i, c.i)) return known(boolValue(*cmp));
  K kind = (a.kind == K::Duration || c.kind == K::Duration) ? K::Duration : K::Int;
  if (b->op == Op::Div && a.kind == K::Duration && c.kind == K::Duration) kind = K::Int;  // a ratio
  auto make = [&](std::int64_t v) { return known(kind == K::Duration ? durationValue(v) : intValue(v)); };
  switch (b->op) {
    case Op::Add:
      return make(wrapAdd(a.i, c.i));
    case Op::Sub:
      return make(wrapSub(a.i, c.i));
    case Op::Mul:
      return make(wrapMul(a.i, c.i));
    case Op::Div:
    case Op::Rem:
      if (c.i == 0) {
        if (report)
          diags_.report(DiagKind::ConstEvalError, b->opRange, "division by zero in a constant expression");
        return invalid();
      }
      if (c.i == -1) return make(b->op == Op::Div ? wrapSub(0, a.i) : 0);  // INT64_MIN / -1 wraps, as in Go
      return make(b->op == Op::Div ? a.i / c.i : a.i % c.i);
    case Op::BitAnd:
      return make(a.i & c.i);
    case Op::BitOr:
      return make(a.i | c.i);
    case Op::BitXor:
      return make(a.i ^ c.i);
    case Op::Shl:
    case Op::Shr:
      // Out-of-range counts are left to the run-time helpers.
      if (c.i < 0 || c.i >= 64) return runtime();
      if (b->op == Op::Shl) return make(static_cast<std::int64_t>(static_cast<std::uint64_t>(a.i) << c.i));
      return make(a.i >> c.i);
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::And:
    case Op::Or:
      return runtime();
  }
  return runtime();
}

}  // namespace flow::sema
