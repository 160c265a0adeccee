// emit/emit_expr.cpp — lowering of Flow expressions (docs/language.md, "Types
// and values" and "Stage bodies") to C++ expressions: literals with their exact
// C++ types, names by family (names.h), records as designated initialisers in
// declaration order, string interpolation as flow::concat, and every operation
// whose Flow meaning differs from C++ (int wrap-around, checked division,
// indexing and conversion, int → float promotion) through the runtime's helpers
// in flow/builtins.h. Does not write statements (emit_stmt.cpp).
#include <llvm/Support/Casting.h>

#include <cstdio>

#include "emit/emit_internal.h"

namespace flow::emit {

using llvm::cast;
using llvm::dyn_cast;
using TK = ast::Type::Kind;

namespace {

std::string joinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + args[i];
  return out;
}

/// An operand of a C++ operator: parenthesised unless it is atomic.
std::string operand(Scope& s, const ast::Expr& e, const ast::Type* to = nullptr) {
  // A string literal operand must be a std::string: "a" < "b" compares pointers.
  bool typed = !llvm::isa<ast::StringLit>(e);
  std::string text = to ? lowerAs(s, e, to, typed) : lowerExpr(s, e, typed);
  if (llvm::isa<ast::BinaryExpr>(e)) return "(" + text + ")";
  return text;
}

std::string intLiteral(std::int64_t v) {
  if (v == INT64_MIN) return "(-9'223'372'036'854'775'807 - 1)";
  return groupedDigits(v);
}

std::string floatLiteral(const ast::FloatLit& f) {
  std::string s;
  for (char c : f.spelling)
    if (c != '_') s += c;
  if (s.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", f.value);
    s = buf;
  }
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  if (s.front() == '.') s = "0" + s;
  return s;
}

const char* builtinName(ast::Builtin b) {
  switch (b) {
    case ast::Builtin::Len:
      return "flow::len";
    case ast::Builtin::Str:
      return "flow::str";
    case ast::Builtin::Int:
      return "flow::to_int";
    case ast::Builtin::Float:
      return "flow::to_float";
    case ast::Builtin::Upper:
      return "flow::upper";
    case ast::Builtin::Lower:
      return "flow::lower";
    case ast::Builtin::Trim:
      return "flow::trim";
    case ast::Builtin::Split:
      return "flow::split";
    case ast::Builtin::Join:
      return "flow::join";
    case ast::Builtin::Contains:
      return "flow::contains";
    case ast::Builtin::StartsWith:
      return "flow::starts_with";
    case ast::Builtin::EndsWith:
      return "flow::ends_with";
    case ast::Builtin::Replace:
      return "flow::replace";
    case ast::Builtin::Hash:
      return "flow::hash";
    case ast::Builtin::Min:
      return "flow::min";
    case ast::Builtin::Max:
      return "flow::max";
    case ast::Builtin::Abs:
      return "flow::abs";
    case ast::Builtin::Append:
      return "flow::append";
    case ast::Builtin::Get:
      return "flow::get";
    case ast::Builtin::Has:
      return "flow::has";
    case ast::Builtin::Keys:
      return "flow::keys";
    case ast::Builtin::Values:
      return "flow::values";
    case ast::Builtin::Delete:
      return "flow::erase";
    case ast::Builtin::ToJson:
      return "flow::to_json";
    case ast::Builtin::FromJson:
      return "flow::from_json";
    case ast::Builtin::ReadLines:
      return "flow::read_lines";
    case ast::Builtin::Print:
      return "flow::print";
    case ast::Builtin::Sort:
      return "flow::sort";
    case ast::Builtin::SortBy:
      return "flow::sort_by";
    case ast::Builtin::Reverse:
      return "flow::reverse";
    case ast::Builtin::Eprint:
      return "flow::eprint";
    case ast::Builtin::Env:
      return "flow::env";
    case ast::Builtin::Now:
    case ast::Builtin::Sleep:
    case ast::Builtin::HttpGet:
    case ast::Builtin::HttpPost:
    case ast::Builtin::WriteLine:
    case ast::Builtin::RandInt:
    case ast::Builtin::RandFloat:
    case ast::Builtin::None:
      return "";
  }
  return "";
}

std::string lowerCall(Scope& s, const ast::CallExpr& c) {
  std::vector<std::string> args;
  if (c.externFn) {
    for (size_t i = 0; i < c.args.size(); ++i) {
      const ast::Type* want = i < c.externFn->params.size() ? c.externFn->params[i].type.resolved : nullptr;
      args.push_back(want ? lowerAs(s, *c.args[i], want) : lowerExpr(s, *c.args[i], true));
    }
    return "::" + c.callee.name + "(" + joinArgs(args) + ")";
  }
  if (c.fn) {
    for (size_t i = 0; i < c.args.size() && i < c.fn->params.size(); ++i)
      args.push_back(lowerAs(s, *c.args[i], c.fn->params[i].type.resolved));
    // Qualified: no local can hide it and argument-dependent lookup cannot
    // pick a std:: function of the same name.
    return "::" + s.em.names.ns() + "::" + s.em.names.fn(c.fn) + "(" + joinArgs(args) + ")";
  }
  switch (c.builtin) {
    case ast::Builtin::Now:
      return s.hasCtx ? "ctx.now()" : "flow::now()";
    case ast::Builtin::RandInt:
      // The worker's generator straight from its context where there is one
      // (a body); a function finds it through Context::current().
      return std::string("flow::rand_int(") + (s.hasCtx ? "ctx.random(), " : "") +
             lowerExpr(s, *c.args.at(0), true) + ", " + lowerExpr(s, *c.args.at(1), true) + ")";
    case ast::Builtin::RandFloat:
      return s.hasCtx ? "ctx.random().unit()" : "flow::rand_float()";
    case ast::Builtin::Sleep:
      return "co_await ctx.sleep(" + lowerExpr(s, *c.args.at(0), true) + ")";
    case ast::Builtin::HttpGet:
      // Parenthesised: `co_await` binds tighter than a member access after it.
      return "(co_await flow::http_get(ctx, " + lowerExpr(s, *c.args.at(0), true) + "))";
    case ast::Builtin::HttpPost:
      return "(co_await flow::http_post(ctx, " + lowerExpr(s, *c.args.at(0), true) + ", " +
             lowerExpr(s, *c.args.at(1), true) + "))";
    case ast::Builtin::WriteLine:
      // A function has no ctx: the runtime finds the run through
      // Context::current().
      return std::string("flow::write_line(") + (s.hasCtx ? "ctx, " : "") +
             lowerExpr(s, *c.args.at(0), true) + ", " + lowerExpr(s, *c.args.at(1), true) + ")";
    case ast::Builtin::Print:
    case ast::Builtin::Eprint: {
      // print(const T&) formats any value as docs/language.md, "Types and
      // values" says.
      return std::string(builtinName(c.builtin)) + "(" + lowerExpr(s, *c.args.at(0), true) + ")";
    }
    case ast::Builtin::Float:
      if (isKind(c.args.at(0)->type, TK::Int))
        return "static_cast<double>(" + lowerExpr(s, *c.args[0], true) + ")";
      break;
    case ast::Builtin::Min:
    case ast::Builtin::Max:
    case ast::Builtin::Abs:
      // Mixed int/float arguments are promoted to float (the call's type).
      for (const auto& a : c.args) args.push_back(lowerAs(s, *a, c.type, /*typedTarget=*/false));
      return std::string(builtinName(c.builtin)) + "(" + joinArgs(args) + ")";
    case ast::Builtin::FromJson:
      // The type to decode is a template argument; its Flow spelling names it in messages.
      return "flow::from_json<" + s.em.names.type(c.typeArg) + ">(" + lowerExpr(s, *c.args.at(1), true) +
             ", " + cppStringLiteral(c.typeArg ? c.typeArg->str() : std::string("?")) + ")";
    case ast::Builtin::Delete:
      // `delete(m, k)` writes its first argument, like an assignment.
      return "flow::erase(" + lowerTarget(s, *c.args.at(0)) + ", " + lowerExpr(s, *c.args.at(1), true) + ")";
    case ast::Builtin::Get:
      if (c.args.size() == 3 && c.args[0]->type && c.args[0]->type->is(TK::Map)) {
        const ast::Type* m = c.args[0]->type;
        return "flow::get(" + lowerExpr(s, *c.args[0], true) + ", " + lowerAs(s, *c.args[1], m->key()) +
               ", " + lowerAs(s, *c.args[2], m->element()) + ")";
      }
      break;
    case ast::Builtin::SortBy:
      if (c.args.size() == 2 && c.args[0]->type && c.args[0]->type->element()) {
        // The key through a lambda, so the sort inlines the call.
        std::string elem = s.em.names.type(c.args[0]->type->element());
        return "flow::sort_by(" + lowerExpr(s, *c.args[0]) + ", [](const " + elem + "& v) { return " +
               lowerExpr(s, *c.args[1]) + "(v); })";
      }
      break;
    case ast::Builtin::Append:
      if (c.args.size() == 2 && c.args[0]->type && c.args[0]->type->element()) {
        args.push_back(lowerExpr(s, *c.args[0]));
        args.push_back(lowerAs(s, *c.args[1], c.args[0]->type->element()));
        return "flow::append(" + joinArgs(args) + ")";
      }
      break;
    default:
      break;
  }
  for (const auto& a : c.args) args.push_back(lowerExpr(s, *a));
  const char* name = builtinName(c.builtin);
  return std::string(*name ? name : c.callee.name.c_str()) + "(" + joinArgs(args) + ")";
}

/// `flow::FormatSpec{.align = '>', .width = 10, .precision = 2}`: the
/// fields that differ from the defaults, in declaration order.
std::string formatSpec(const ast::FormatSpec& spec) {
  std::vector<std::string> fields;
  // align and type are letters or `<^>`: no escaping needed.
  auto quoteChar = [](char c) { return std::string("'") + c + "'"; };
  if (spec.fill != " ") fields.push_back(".fill = " + cppStringLiteral(spec.fill));
  if (spec.align != 0) fields.push_back(".align = " + quoteChar(spec.align));
  if (spec.zero) fields.push_back(".zero = true");
  if (spec.width >= 0) fields.push_back(".width = " + std::to_string(spec.width));
  if (spec.precision >= 0) fields.push_back(".precision = " + std::to_string(spec.precision));
  if (spec.type != 0) fields.push_back(".type = " + quoteChar(spec.type));
  return "flow::FormatSpec{" + joinArgs(fields) + "}";
}

std::string lowerName(Scope& s, const ast::NameExpr& n) {
  switch (n.ref.kind) {
    case ast::NameRef::Kind::Local:
    case ast::NameRef::Kind::FnParam:
      return localName(n.name);
    case ast::NameRef::Kind::Item:
      return localName(n.name);
    case ast::NameRef::Kind::Param:
      return "P." + s.em.names.param(static_cast<const ast::ParamDecl*>(n.ref.decl));
    case ast::NameRef::Kind::Const:
      return constName(n.name);
    case ast::NameRef::Kind::Worker:
      return "ctx.worker()";
    case ast::NameRef::Kind::State: {
      auto it = s.state.find(n.ref.decl);
      return it != s.state.end() ? it->second : "st." + n.name;
    }
    case ast::NameRef::Kind::Function:
      return "::" + s.em.names.ns() + "::" + s.em.names.fn(static_cast<const ast::FnDecl*>(n.ref.decl));
    case ast::NameRef::Kind::TestChannel:
      return "(*" + (s.test ? s.test->taps : std::string("taps")) + "." + channelVar(n.name) + ")";
    case ast::NameRef::Kind::TestResult: {
      const std::string t = s.test ? s.test->run : std::string("t");
      if (n.name == "exit_code") return "std::int64_t{" + t + ".report().exitCode}";
      if (n.name == "elapsed") return t + ".report().elapsed";
      return t + ".printed()";
    }
    case ast::NameRef::Kind::TestStage:  // only as `stage.counter` (lowerField)
    case ast::NameRef::Kind::Unresolved:
      break;
  }
  return localName(n.name);
}

std::string lowerRecord(Scope& s, const ast::RecordLit& r) {
  const ast::TypeDecl* decl = r.decl ? r.decl : (r.type ? r.type->record() : nullptr);
  if (!decl) return "{}";
  std::string out = s.em.names.record(decl) + "{";
  bool first = true;
  for (size_t i = 0; i < decl->fields.size(); ++i) {
    const ast::FieldDecl& fd = decl->fields[i];
    const ast::Expr* value = nullptr;
    for (const auto& fi : r.fields)
      if (fi.name.name == fd.name.name) value = fi.value.get();
    // Every field is spelled, defaults included, so no compiler warns about
    // a missing initialiser; designated initialisers follow declaration order.
    std::string text;
    if (value) {
      text = lowerAs(s, *value, fd.type.resolved);
    } else if (fd.defaultValue) {
      Scope constScope{s.em};
      text = lowerAs(constScope, *fd.defaultValue, fd.type.resolved);
    } else {
      text = "{}";
    }
    out += (first ? "." : ", .") + s.em.names.field(decl, i) + " = " + text;
    first = false;
  }
  return out + "}";
}

std::string lowerMap(Scope& s, const ast::MapLit& m) {
  const ast::Type* t = m.type;
  std::vector<std::string> parts;
  for (const auto& e : m.entries)
    parts.push_back("{" + lowerAs(s, *e.key, t ? t->key() : nullptr) + ", " +
                    lowerAs(s, *e.value, t ? t->element() : nullptr) + "}");
  return s.em.names.type(t) + "{" + joinArgs(parts) + "}";
}

std::string lowerBinary(Scope& s, const ast::BinaryExpr& b) {
  const ast::Type* lt = b.lhs->type;
  const ast::Type* rt = b.rhs->type;
  bool ints = isKind(lt, TK::Int) && isKind(rt, TK::Int);
  bool anyFloat = isKind(lt, TK::Float) || isKind(rt, TK::Float);
  // Mixed int/float: the int side is promoted.
  const ast::Type* promote = nullptr;
  if (anyFloat && (isKind(lt, TK::Int) || isKind(rt, TK::Int))) promote = isKind(lt, TK::Float) ? lt : rt;
  auto L = [&] { return operand(s, *b.lhs, promote); };
  auto R = [&] { return operand(s, *b.rhs, promote); };
  auto helper = [&](const char* fn) {
    return std::string(fn) + "(" + lowerExpr(s, *b.lhs, true) + ", " + lowerExpr(s, *b.rhs, true) + ")";
  };
  auto infix = [&](const char* op) { return L() + " " + op + " " + R(); };
  switch (b.op) {
    case ast::BinaryOp::Add:
      if (ints) return helper("flow::wrap_add");
      if (isKind(lt, TK::String) || isKind(b.type, TK::String))
        return "flow::concat(" + lowerExpr(s, *b.lhs, true) + ", " + lowerExpr(s, *b.rhs, true) + ")";
      return infix("+");
    case ast::BinaryOp::Sub:
      return ints ? helper("flow::wrap_sub") : infix("-");
    case ast::BinaryOp::Mul:
      return ints ? helper("flow::wrap_mul") : infix("*");
    case ast::BinaryOp::Div:
      return ints || isKind(lt, TK::Duration) ? helper("flow::div") : infix("/");
    case ast::BinaryOp::Rem:
      // Floats: C's fmod (the sign of the dividend, like int `%`).
      return ints ? helper("flow::rem") : "flow::frem(" + L() + ", " + R() + ")";
    case ast::BinaryOp::BitAnd:
      return infix("&");
    case ast::BinaryOp::BitOr:
      return infix("|");
    case ast::BinaryOp::BitXor:
      return infix("^");
    case ast::BinaryOp::Shl:
      return helper("flow::wrap_shl");
    case ast::BinaryOp::Shr:
      return helper("flow::wrap_shr");
    case ast::BinaryOp::Eq:
      return infix("==");
    case ast::BinaryOp::Ne:
      return infix("!=");
    case ast::BinaryOp::Lt:
      return infix("<");
    case ast::BinaryOp::Le:
      return infix("<=");
    case ast::BinaryOp::Gt:
      return infix(">");
    case ast::BinaryOp::Ge:
      return infix(">=");
    case ast::BinaryOp::And:
      return infix("&&");
    case ast::BinaryOp::Or:
      return infix("||");
  }
  return "{}";
}

}  // namespace

std::string groupedDigits(std::int64_t v) {
  unsigned long long magnitude = static_cast<unsigned long long>(v);
  if (v < 0) magnitude = 0ULL - magnitude;
  std::string digits = std::to_string(magnitude);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += '\'';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string durationLiteral(std::int64_t ns) { return "std::chrono::nanoseconds(" + intLiteral(ns) + ")"; }

std::string lowerTarget(Scope& s, const ast::Expr& target) {
  auto* index = dyn_cast<ast::IndexExpr>(&target);
  if (!index) return lowerExpr(s, target, true);
  std::string base = lowerTarget(s, *index->base);
  const ast::Type* bt = index->base->type;
  // A map element is made from the zero value when missing (Go's rule); a
  // list element must exist.
  if (isKind(bt, TK::Map)) return base + "[" + lowerAs(s, *index->index, bt->key()) + "]";
  return "flow::at(" + base + ", " + lowerExpr(s, *index->index, true) + ")";
}

std::string lowerAs(Scope& s, const ast::Expr& e, const ast::Type* to, bool typedTarget) {
  if (isKind(to, TK::Float) && isKind(e.type, TK::Int)) {
    if (auto* lit = dyn_cast<ast::IntLit>(&e)) return intLiteral(lit->value) + ".0";
    return "static_cast<double>(" + lowerExpr(s, e, true) + ")";
  }
  return lowerExpr(s, e, typedTarget);
}

std::string lowerExpr(Scope& s, const ast::Expr& expr, bool typedTarget) {
  switch (expr.kind) {
    case ast::Expr::Kind::IntLit: {
      std::string v = intLiteral(cast<ast::IntLit>(expr).value);
      return typedTarget ? v : "std::int64_t{" + v + "}";
    }
    case ast::Expr::Kind::FloatLit:
      return floatLiteral(cast<ast::FloatLit>(expr));
    case ast::Expr::Kind::BoolLit:
      return cast<ast::BoolLit>(expr).value ? "true" : "false";
    case ast::Expr::Kind::DurationLit:
      return durationLiteral(cast<ast::DurationLit>(expr).nanoseconds);
    case ast::Expr::Kind::StringLit: {
      const auto& str = cast<ast::StringLit>(expr);
      if (str.isPlain()) {
        const std::string text = str.plainText();
        std::string lit = cppStringLiteral(text);
        // A `\0` inside: the length is explicit, or C++ would stop there.
        if (text.find('\0') != std::string::npos)
          return "std::string(" + lit + ", " + std::to_string(text.size()) + ")";
        return typedTarget ? lit : "std::string(" + lit + ")";
      }
      std::vector<std::string> parts;
      for (const auto& p : str.pieces) {
        if (!p.expr) {
          // As string_view, not char[N]: every literal then shares one
          // instantiation of the formatting templates (a char[N] costs one
          // per length N, a visible share of a small program's C++ compile).
          if (p.text.empty()) continue;
          std::string lit = cppStringLiteral(p.text);
          if (p.text.find('\0') != std::string::npos) lit += ", " + std::to_string(p.text.size());
          parts.push_back("std::string_view(" + lit + ")");
          continue;
        }
        std::string value = lowerExpr(s, *p.expr, true);
        parts.push_back(p.spec ? "flow::fmt(" + value + ", " + formatSpec(*p.spec) + ")" : value);
      }
      return "flow::concat(" + joinArgs(parts) + ")";
    }
    case ast::Expr::Kind::ListLit: {
      const auto& list = cast<ast::ListLit>(expr);
      const ast::Type* elem = expr.type ? expr.type->element() : nullptr;
      std::vector<std::string> parts;
      for (const auto& e : list.elements) parts.push_back(lowerAs(s, *e, elem));
      return s.em.names.type(expr.type) + "{" + joinArgs(parts) + "}";
    }
    case ast::Expr::Kind::MapLit:
      return lowerMap(s, cast<ast::MapLit>(expr));
    case ast::Expr::Kind::RecordLit:
      return lowerRecord(s, cast<ast::RecordLit>(expr));
    case ast::Expr::Kind::Name:
      return lowerName(s, cast<ast::NameExpr>(expr));
    case ast::Expr::Kind::Field: {
      const auto& f = cast<ast::FieldExpr>(expr);
      // A test's `stage.counter` / `channel.counter`: read from the run's report.
      if (const auto* n = llvm::dyn_cast<ast::NameExpr>(f.base.get());
          n && s.test &&
          (n->ref.kind == ast::NameRef::Kind::TestStage || n->ref.kind == ast::NameRef::Kind::TestChannel)) {
        const bool stage = n->ref.kind == ast::NameRef::Kind::TestStage;
        return s.test->run + (stage ? ".stageCounter(" : ".channelCounter(") + cppStringLiteral(n->name) +
               ", " + cppStringLiteral(f.field.name) + ")";
      }
      const ast::Type* bt = f.base->type;
      std::string member = bt && bt->record() ? s.em.names.field(bt->record(), f.field.name) : f.field.name;
      std::string base = lowerExpr(s, *f.base, true);
      if (llvm::isa<ast::BinaryExpr>(*f.base) || llvm::isa<ast::UnaryExpr>(*f.base)) base = "(" + base + ")";
      return base + "." + member;
    }
    case ast::Expr::Kind::Index: {
      // flow::at fails the item on a bad list index or a missing map key.
      const auto& i = cast<ast::IndexExpr>(expr);
      return "flow::at(" + lowerExpr(s, *i.base, true) + ", " + lowerExpr(s, *i.index, true) + ")";
    }
    case ast::Expr::Kind::Call:
      return lowerCall(s, cast<ast::CallExpr>(expr));
    case ast::Expr::Kind::Unary: {
      const auto& u = cast<ast::UnaryExpr>(expr);
      std::string inner = operand(s, *u.operand);
      switch (u.op) {
        case ast::UnaryOp::Neg:
          if (isKind(u.operand->type, TK::Int)) {
            if (auto* lit = dyn_cast<ast::IntLit>(u.operand.get()); lit && lit->value != INT64_MIN)
              return typedTarget ? intLiteral(-lit->value) : "std::int64_t{" + intLiteral(-lit->value) + "}";
            return "flow::wrap_neg(" + lowerExpr(s, *u.operand, true) + ")";
          }
          return "-" + inner;
        case ast::UnaryOp::Not:
          return "!" + inner;
        case ast::UnaryOp::BitNot:
          return "~" + inner;
      }
      return inner;
    }
    case ast::Expr::Kind::Binary:
      return lowerBinary(s, cast<ast::BinaryExpr>(expr));
  }
  return "{}";
}

}  // namespace flow::emit
