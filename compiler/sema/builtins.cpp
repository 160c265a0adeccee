// sema/builtins.cpp — calls: the built-in functions (docs/language.md, "Stage
// bodies" and "Functions, sorting, formatting and randomness"; arity and
// argument types of each), extern functions and Flow functions (arity and
// argument types from their declaration, with the signature in a note). Sets
// CallExpr::builtin / externFn / fn and the call's type. Decisions the contract leaves open
// (docs/design/semantics.md):
//   - int(x) takes a string, a float (truncates toward zero) or an int;
//     float(x) takes a string, an int or a float;
//   - contains(s, sub) on strings and contains(list, x) on lists;
//   - min/max take two values of one type: int, float or duration;
//     abs takes an int, float or duration and returns the same type;
//   - read_lines(p) is allowed only as the iterable of a `for` (its type is
//     recorded as `[string]`, but it is a lazy stream, never a list value);
//   - sleep(d), print/eprint and write_line return nothing (`void`), so they
//     can only be statements; write_line(path, x) writes any value as print
//     shows it;
//   - http_get/http_post wait for the network, so a `state` initialiser (which
//     runs before the worker's first item and cannot wait) and an `fn` (a
//     plain function, never a coroutine) cannot call them;
//   - sort(xs) takes lists of sortable elements (int, float, string,
//     duration, bool); sort_by(xs, key) names an `fn` (not a built-in or an
//     extern) from the element type to a sortable type; reverse takes any list.
#include <utility>

#include "sema/sema.h"
#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Builtin;
using ast::Type;
using K = Type::Kind;

namespace {

struct BuiltinEntry {
  std::string_view name;
  Builtin builtin;
};

constexpr BuiltinEntry kBuiltins[] = {
    {"print", Builtin::Print},
    {"eprint", Builtin::Eprint},
    {"len", Builtin::Len},
    {"str", Builtin::Str},
    {"int", Builtin::Int},
    {"float", Builtin::Float},
    {"upper", Builtin::Upper},
    {"lower", Builtin::Lower},
    {"trim", Builtin::Trim},
    {"split", Builtin::Split},
    {"join", Builtin::Join},
    {"contains", Builtin::Contains},
    {"starts_with", Builtin::StartsWith},
    {"ends_with", Builtin::EndsWith},
    {"replace", Builtin::Replace},
    {"hash", Builtin::Hash},
    {"min", Builtin::Min},
    {"max", Builtin::Max},
    {"abs", Builtin::Abs},
    {"append", Builtin::Append},
    {"now", Builtin::Now},
    {"read_lines", Builtin::ReadLines},
    {"sleep", Builtin::Sleep},
    {"get", Builtin::Get},
    {"has", Builtin::Has},
    {"keys", Builtin::Keys},
    {"values", Builtin::Values},
    {"delete", Builtin::Delete},
    {"to_json", Builtin::ToJson},
    {"from_json", Builtin::FromJson},
    {"http_get", Builtin::HttpGet},
    {"http_post", Builtin::HttpPost},
    {"write_line", Builtin::WriteLine},
    {"env", Builtin::Env},
    {"sort", Builtin::Sort},
    {"sort_by", Builtin::SortBy},
    {"reverse", Builtin::Reverse},
    {"rand_int", Builtin::RandInt},
    {"rand_float", Builtin::RandFloat},
};

/// What other languages call Flow's built-ins, for "did you mean": a name
/// close in meaning, not in spelling (`uppercase` is 4 edits from `upper`).
constexpr std::pair<std::string_view, std::string_view> kForeignNames[] = {
    {"uppercase", "upper"},
    {"toupper", "upper"},
    {"to_upper", "upper"},
    {"toUpperCase", "upper"},
    {"ToUpper", "upper"},
    {"lowercase", "lower"},
    {"tolower", "lower"},
    {"to_lower", "lower"},
    {"toLowerCase", "lower"},
    {"ToLower", "lower"},
    {"strip", "trim"},
    {"TrimSpace", "trim"},
    {"length", "len"},
    {"size", "len"},
    {"strlen", "len"},
    {"count", "len"},
    {"println", "print"},
    {"printf", "print"},
    {"puts", "print"},
    {"eprintln", "eprint"},
    {"to_string", "str"},
    {"toString", "str"},
    {"string", "str"},
    {"itoa", "str"},
    {"parseInt", "int"},
    {"atoi", "int"},
    {"to_int", "int"},
    {"parse_int", "int"},
    {"parseFloat", "float"},
    {"atof", "float"},
    {"to_float", "float"},
    {"includes", "contains"},
    {"startswith", "starts_with"},
    {"startsWith", "starts_with"},
    {"HasPrefix", "starts_with"},
    {"has_prefix", "starts_with"},
    {"endswith", "ends_with"},
    {"endsWith", "ends_with"},
    {"HasSuffix", "ends_with"},
    {"has_suffix", "ends_with"},
    {"push", "append"},
    {"push_back", "append"},
    {"replace_all", "replace"},
    {"replaceAll", "replace"},
    {"ReplaceAll", "replace"},
    {"implode", "join"},
    {"readlines", "read_lines"},
    {"read_file", "read_lines"},
    {"time", "now"},
    {"hashCode", "hash"},
};

/// What `sort` orders and what a `sort_by` key may return.
bool isSortable(const Type* t) {
  return t->is(K::Int) || t->is(K::Float) || t->is(K::String) || t->is(K::Duration) || t->is(K::Bool);
}
constexpr const char* kSortable = "an int, float, string, duration or bool";

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

Builtin builtinByName(std::string_view name) {
  for (const auto& e : kBuiltins)
    if (e.name == name) return e.builtin;
  return Builtin::None;
}

}  // namespace flow::sema

namespace flow {

std::vector<std::string_view> builtinFunctionNames() {
  std::vector<std::string_view> names;
  for (const auto& e : sema::kBuiltins) names.push_back(e.name);
  return names;
}

}  // namespace flow

namespace flow::sema {

std::string_view builtinName(Builtin b) {
  for (const auto& e : kBuiltins)
    if (e.builtin == b) return e.name;
  return "";
}

const Type* Sema::checkSortBy(ast::CallExpr& e) {
  const Type* err = types_.errorType();
  if (!checkArgCount(e, 2, 2)) return err;
  const Type* list = checkValue(e.args[0].get());
  bool listOk = !isErrorish(list) && list->is(K::List);
  if (!isErrorish(list) && !listOk)
    diags_.report(DiagKind::TypeMismatch, e.args[0]->range,
                  "argument 1 of `sort_by` must be a list, found `" + list->str() + "`");
  const Type* result = listOk ? list : err;
  ast::Expr* keyArg = e.args[1].get();
  auto* name = llvm::dyn_cast<ast::NameExpr>(keyArg);
  if (!name) {
    checkValue(keyArg);
    diags_.report(
        DiagKind::TypeMismatch, keyArg->range,
        "argument 2 of `sort_by` must name a function declared with `fn`, e.g. `sort_by(hits, by_count)`");
    return err;
  }
  name->type = err;
  if (isErrorName(name->name)) return err;
  auto it = fns_.find(name->name);
  if (it == fns_.end()) {
    std::string why = "`" + name->name + "` is not a function declared with `fn`";
    if (builtinByName(name->name) != ast::Builtin::None || externs_.count(name->name))
      why = "`" + name->name + "` is a built-in or extern function; wrap it in an `fn`";
    std::vector<std::string> names;
    for (const auto& [n, fn] : fns_) names.emplace_back(n);
    std::sort(names.begin(), names.end());
    diags_.report(DiagKind::TypeMismatch, name->range,
                  "argument 2 of `sort_by` must name a function declared with `fn`; " + why +
                      didYouMean(name->name, names));
    return err;
  }
  const ast::FnDecl& fn = *it->second;
  name->ref = {ast::NameRef::Kind::Function, &fn};
  name->type = types_.voidType();
  if (fn_) calls_[fn_].push_back(&fn);
  const Type* elem = listOk ? list->element() : nullptr;
  const Type* param = fn.params.size() == 1 ? fn.params[0].type.resolved : nullptr;
  const Type* key = fn.result ? fn.result->resolved : nullptr;
  if ((param && isErrorish(param)) || (key && isErrorish(key))) return result;  // reported at the fn
  bool paramOk = param && (!elem || isErrorish(elem) || param == elem);
  if (paramOk && key && isSortable(key)) return result;
  std::string takes = elem && !isErrorish(elem)
                          ? "one `" + elem->str() + "` (an element of `" + list->str() + "`)"
                          : "one element of the list";
  diags_
      .report(DiagKind::TypeMismatch, name->range,
              "`" + name->name + "` cannot be the key of this `sort_by`: it must take " + takes +
                  " and return " + kSortable)
      .note(fn.name.range,
            "`" + name->name + "` declared here: `" + signatureOf(name->name, fn.params, fn.result) + "`");
  return err;
}

bool Sema::checkArgCount(ast::CallExpr& e, std::size_t min, std::size_t max) {
  std::size_t n = e.args.size();
  if (n >= min && n <= max) return true;
  std::string takes =
      min == max ? plural(min, "argument") : std::to_string(min) + " or " + plural(max, "argument");
  auto b = diags_.report(DiagKind::WrongArgCount, e.callee.range,
                         "`" + e.callee.name + "` takes " + takes + ", found " + std::to_string(n));
  if (e.externFn)
    b.note(e.externFn->name.range, "`" + e.callee.name + "` declared here: `" +
                                       signatureOf(e.callee.name, e.externFn->params, e.externFn->result) +
                                       "`");
  if (e.fn)
    b.note(e.fn->name.range, "`" + e.callee.name + "` declared here: `" +
                                 signatureOf(e.callee.name, e.fn->params, e.fn->result) + "`");
  // The arguments may hold mistakes of their own.
  for (auto& a : e.args) checkValue(a.get());
  return false;
}

const Type* Sema::checkCall(ast::CallExpr& e) {
  if (isErrorName(e.callee.name)) {
    for (auto& a : e.args) checkValue(a.get());
    return types_.errorType();
  }
  if (auto it = externs_.find(e.callee.name); it != externs_.end()) {
    e.externFn = it->second;
    return checkExternCall(e, *it->second);
  }
  if (auto it = fns_.find(e.callee.name); it != fns_.end()) {
    const ast::FnDecl& fn = *it->second;
    e.fn = &fn;
    if (fn_) calls_[fn_].push_back(&fn);
    checkCallArgs(e, fn.params, fn.result, fn.name.range);
    if (!fn.result) return types_.voidType();
    return fn.result->resolved ? fn.result->resolved : types_.errorType();
  }
  Builtin b = builtinByName(e.callee.name);
  if (b != Builtin::None) {
    e.builtin = b;
    return checkBuiltin(e, b);
  }
  if (module_.lostDecl) {  // a declaration the parser lost may have been this function
    for (auto& a : e.args) checkValue(a.get());
    return types_.errorType();
  }
  std::vector<std::string> names;
  for (const auto& entry : kBuiltins) names.emplace_back(entry.name);
  for (const auto& [name, fn] : externs_) names.emplace_back(name);
  for (const auto& [name, fn] : fns_) names.emplace_back(name);
  std::sort(names.begin(), names.end());
  std::string hint = didYouMean(e.callee.name, names);
  if (hint.empty() && e.callee.name == "range")
    hint = "; a range of ints is written `lo..hi`, as in `for i in 0..n`";
  for (const auto& [foreign, flow] : kForeignNames)
    if (hint.empty() && foreign == e.callee.name && builtinByName(flow) != Builtin::None)
      hint = "; did you mean `" + std::string(flow) + "`?";
  diags_.report(DiagKind::UnknownFunction, e.callee.range, "unknown function `" + e.callee.name + "`" + hint);
  for (auto& a : e.args) checkValue(a.get());
  return types_.errorType();
}

const Type* Sema::checkExternCall(ast::CallExpr& e, const ast::ExternFn& fn) {
  const Type* result =
      fn.result ? (fn.result->resolved ? fn.result->resolved : types_.errorType()) : types_.voidType();
  if (fn.hasSyntaxError) {
    for (auto& a : e.args) checkValue(a.get());
    return fn.result ? result : types_.errorType();
  }
  checkCallArgs(e, fn.params, fn.result, fn.name.range);
  return result;
}

void Sema::checkCallArgs(ast::CallExpr& e, const std::vector<ast::FnParam>& params,
                         const std::optional<ast::TypeRef>& result, SourceRange declared) {
  if (!checkArgCount(e, params.size(), params.size())) return;
  for (std::size_t i = 0; i < e.args.size(); ++i) {
    const ast::FnParam& p = params[i];
    const Type* want = p.type.resolved ? p.type.resolved : types_.errorType();
    ast::Expr* arg = e.args[i].get();
    const Type* got = checkValue(arg, want);
    if (isErrorish(want) || isErrorish(got) || got == want) continue;
    std::string hint;
    if (want->is(K::Float) && got->is(K::Int))
      hint =
          llvm::isa<ast::IntLit>(arg) ? "; write it as a float, e.g. `1.0`" : "; convert it with `float(…)`";
    else if (want->is(K::String))
      hint = "; convert it with `str(…)` or interpolation";
    diags_
        .report(DiagKind::TypeMismatch, arg->range,
                "argument " + std::to_string(i + 1) + " (`" + p.name.name + "`) of `" + e.callee.name +
                    "` must be `" + want->str() + "`, found `" + got->str() + "`" + hint)
        .note(declared,
              "`" + e.callee.name + "` declared here: `" + signatureOf(e.callee.name, params, result) + "`");
  }
}

const Type* Sema::checkBuiltin(ast::CallExpr& e, Builtin b) {
  const Type* err = types_.errorType();
  const std::string name = e.callee.name;
  auto arg = [&](std::size_t i) { return e.args[i].get(); };
  auto argWhat = [&](std::size_t i) {
    return e.args.size() == 1 ? "the argument of `" + name + "`"
                              : "argument " + std::to_string(i + 1) + " of `" + name + "`";
  };
  // Requires `t` to be one of the accepted kinds; `accepted` spells them.
  auto expectOneOf = [&](std::size_t i, const Type* t, std::initializer_list<K> kinds, const char* accepted) {
    if (isErrorish(t)) return false;
    for (K k : kinds)
      if (t->is(k)) return true;
    diags_.report(DiagKind::TypeMismatch, arg(i)->range,
                  argWhat(i) + " must be " + accepted + ", found `" + t->str() + "`");
    return false;
  };
  auto allStrings = [&](const Type* result) -> const Type* {
    bool ok = true;
    for (std::size_t i = 0; i < e.args.size(); ++i)
      ok = expectType(types_.stringType(), arg(i), argWhat(i)) && ok;
    return ok ? result : err;
  };

  // A test's expressions are evaluated before or after the run, by the test
  // itself: what needs a running stage (a worker, its clock, its generator,
  // the program's output) has no meaning there.
  if (inTest_ && (b == Builtin::Sleep || b == Builtin::Print || b == Builtin::Eprint || b == Builtin::Now ||
                  b == Builtin::ReadLines || b == Builtin::RandInt || b == Builtin::RandFloat ||
                  b == Builtin::HttpGet || b == Builtin::HttpPost || b == Builtin::WriteLine)) {
    diags_.report(DiagKind::NotInTest, e.callee.range,
                  "`" + name + "` is not allowed in a test; a test sets up a run and checks what it did, " +
                      "it does not run stage code (what the run printed is `printed`)");
    for (auto& a : e.args) checkValue(a.get());
    return err;
  }

  switch (b) {
    case Builtin::None:
      return err;
    case Builtin::Print:
    case Builtin::Eprint:
      if (!checkArgCount(e, 1, 1)) return types_.voidType();
      checkValue(arg(0));
      return types_.voidType();
    case Builtin::Str:
    case Builtin::Hash: {
      if (!checkArgCount(e, 1, 1)) return b == Builtin::Str ? types_.stringType() : types_.intType();
      checkValue(arg(0));
      return b == Builtin::Str ? types_.stringType() : types_.intType();
    }
    case Builtin::Len: {
      if (!checkArgCount(e, 1, 1)) return types_.intType();
      const Type* t = checkValue(arg(0));
      expectOneOf(0, t, {K::String, K::List, K::Map}, "a string, a list or a map");
      return types_.intType();
    }
    case Builtin::Int:
    case Builtin::Float: {
      const Type* result = b == Builtin::Int ? types_.intType() : types_.floatType();
      if (!checkArgCount(e, 1, 1)) return result;
      const Type* t = checkValue(arg(0));
      expectOneOf(0, t, {K::String, K::Int, K::Float}, "a string, an int or a float");
      return result;
    }
    case Builtin::Upper:
    case Builtin::Lower:
    case Builtin::Trim:
      if (!checkArgCount(e, 1, 1)) return types_.stringType();
      allStrings(nullptr);
      return types_.stringType();
    case Builtin::Split:
      if (!checkArgCount(e, 2, 2)) return types_.listOf(types_.stringType());
      allStrings(nullptr);
      return types_.listOf(types_.stringType());
    case Builtin::Join:
      if (!checkArgCount(e, 2, 2)) return types_.stringType();
      expectType(types_.listOf(types_.stringType()), arg(0), argWhat(0));
      expectType(types_.stringType(), arg(1), argWhat(1));
      return types_.stringType();
    case Builtin::StartsWith:
    case Builtin::EndsWith:
      if (!checkArgCount(e, 2, 2)) return types_.boolType();
      allStrings(nullptr);
      return types_.boolType();
    case Builtin::Replace:
      if (!checkArgCount(e, 3, 3)) return types_.stringType();
      allStrings(nullptr);
      return types_.stringType();
    case Builtin::Contains: {
      if (!checkArgCount(e, 2, 2)) return types_.boolType();
      const Type* t = checkValue(arg(0));
      if (!expectOneOf(0, t, {K::String, K::List}, "a string or a list")) {
        checkValue(arg(1));
        return types_.boolType();
      }
      if (t->is(K::String))
        expectType(types_.stringType(), arg(1), argWhat(1));
      else
        expectType(t->element(), arg(1), argWhat(1) + " (an element of `" + t->str() + "`)");
      return types_.boolType();
    }
    case Builtin::Min:
    case Builtin::Max: {
      if (!checkArgCount(e, 2, 2)) return err;
      const Type* a = checkValue(arg(0));
      const Type* c = checkValue(arg(1));
      bool okA = expectOneOf(0, a, {K::Int, K::Float, K::Duration}, "an int, a float or a duration");
      bool okC = expectOneOf(1, c, {K::Int, K::Float, K::Duration}, "an int, a float or a duration");
      if (!okA || !okC) return err;
      if (a != c) {
        diags_.report(DiagKind::TypeMismatch, arg(1)->range,
                      "the arguments of `" + name + "` must have one type, found `" + a->str() + "` and `" +
                          c->str() + "`" +
                          (a->isNumeric() && c->isNumeric() ? "; convert with `float(…)`" : ""));
        return err;
      }
      return a;
    }
    case Builtin::Abs: {
      if (!checkArgCount(e, 1, 1)) return err;
      const Type* t = checkValue(arg(0));
      return expectOneOf(0, t, {K::Int, K::Float, K::Duration}, "an int, a float or a duration") ? t : err;
    }
    case Builtin::Append: {
      if (!checkArgCount(e, 2, 2)) return err;
      // append([], x): the element's type gives the empty list its type.
      auto* first = llvm::dyn_cast<ast::ListLit>(arg(0));
      if (first && first->elements.empty()) {
        const Type* x = checkValue(arg(1));
        if (isErrorish(x)) return err;
        return checkExpr(arg(0), types_.listOf(x));
      }
      const Type* list = checkValue(arg(0));
      if (!expectOneOf(0, list, {K::List}, "a list")) {
        checkValue(arg(1));
        return err;
      }
      return expectType(list->element(), arg(1), argWhat(1) + " (an element of `" + list->str() + "`)") ? list
                                                                                                        : err;
    }
    case Builtin::Now:
      checkArgCount(e, 0, 0);
      return types_.durationType();
    case Builtin::RandInt:
      if (checkArgCount(e, 2, 2)) {
        for (std::size_t i = 0; i < 2; ++i) expectType(types_.intType(), arg(i), argWhat(i));
      }
      return types_.intType();
    case Builtin::RandFloat:
      checkArgCount(e, 0, 0);
      return types_.floatType();
    case Builtin::ReadLines: {
      const Type* lines = types_.listOf(types_.stringType());
      if (readLinesOk_ != &e) {
        diags_.report(
            DiagKind::ReadLinesNotInFor, e.callee.range,
            "`read_lines(…)` can only be the iterable of a `for`: `for line in read_lines(path) { … }`");
        for (auto& a : e.args) checkValue(a.get());
        return err;
      }
      if (!checkArgCount(e, 1, 1)) return lines;
      allStrings(nullptr);
      return lines;
    }
    case Builtin::ToJson:
      if (!checkArgCount(e, 1, 1)) return types_.stringType();
      checkValue(arg(0));
      return types_.stringType();
    case Builtin::FromJson: {
      if (!checkArgCount(e, 2, 2)) return err;
      const Type* t = checkTypeArg(e, *arg(0));
      expectType(types_.stringType(), arg(1), argWhat(1));
      return t;
    }
    case Builtin::Get:
    case Builtin::Has:
    case Builtin::Keys:
    case Builtin::Values:
    case Builtin::Delete:
      return checkMapBuiltin(e, b);
    case Builtin::HttpGet:
    case Builtin::HttpPost: {
      if (reportIfInFunction(e.callee.range, "`" + name + "`")) {
        for (auto& a : e.args) checkValue(a.get());
        return types_.stringType();
      }
      if (inStateInit_)
        diags_.report(DiagKind::HttpInState, e.callee.range,
                      "`" + name +
                          "` cannot initialise `state`: the initialiser runs before the worker's first item "
                          "and cannot wait for the network; call it in the body and keep the answer in "
                          "`state`");
      if (!checkArgCount(e, b == Builtin::HttpGet ? 1 : 2, b == Builtin::HttpGet ? 1 : 2))
        return types_.stringType();
      allStrings(nullptr);
      return types_.stringType();
    }
    case Builtin::WriteLine:
      if (!checkArgCount(e, 2, 2)) return types_.voidType();
      expectType(types_.stringType(), arg(0), argWhat(0));
      checkValue(arg(1));
      return types_.voidType();
    case Builtin::Env:
      if (!checkArgCount(e, 2, 2)) return types_.stringType();
      allStrings(nullptr);
      return types_.stringType();
    case Builtin::Sort: {
      if (!checkArgCount(e, 1, 1)) return err;
      const Type* list = checkValue(arg(0));
      if (!expectOneOf(0, list, {K::List}, "a list")) return err;
      if (isErrorish(list->element()) || isSortable(list->element())) return list;
      diags_.report(
          DiagKind::TypeMismatch, arg(0)->range,
          "`sort` orders lists of ints, floats, strings, durations or bools, found `" + list->str() +
              "`; order other lists with `sort_by(xs, key)` and a function that gives each element's key");
      return err;
    }
    case Builtin::Reverse: {
      if (!checkArgCount(e, 1, 1)) return err;
      const Type* list = checkValue(arg(0));
      return expectOneOf(0, list, {K::List}, "a list") ? list : err;
    }
    case Builtin::SortBy:
      return checkSortBy(e);
    case Builtin::Sleep: {
      if (reportIfInFunction(e.callee.range, "`sleep`")) {
        for (auto& a : e.args) checkValue(a.get());
        return types_.voidType();
      }
      if (!checkArgCount(e, 1, 1)) return types_.voidType();
      if (expectType(types_.durationType(), arg(0), argWhat(0)))
        requirePositiveDuration(evalConst(arg(0), /*report=*/false), arg(0), "the argument of `sleep`");
      return types_.voidType();
    }
  }
  return err;
}

}  // namespace flow::sema
