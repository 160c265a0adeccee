// sema/check_maps.cpp — maps (docs/language.md, "Maps and typed
// declarations"): map literals and the built-ins that only maps take —
// get, has, keys, values and delete. Indexing `m[k]` is check_expr.cpp's,
// assignment to `m[k]` check_stmt.cpp's, `len(m)` builtins.cpp's. Does not
// decide the C++ map type; emit does.
//
// Typing rules:
//   {k: v, …}         the first entry fixes the key and value types unless
//                     the context (a typed declaration, a field, a send, a
//                     comparison, an argument) already did; keys are int,
//                     string or bool (UnsupportedMapKey)
//   {}                only where the context gives the type (EmptyMapType)
//   get(m, k, d)      k a key, d a value; the value type
//   has(m, k)         bool
//   keys(m)           [K], ascending; values(m): [V] in the order of keys(m)
//   delete(m, k)      m an assignable map (a `var`/`state` or an element of
//                     one), as the target of an assignment; returns nothing
// Also `from_json`'s first argument, a type written as an expression
// (`Reading`, `[int]`, `{string: float}`), read back as a type here.
#include <functional>

#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Type;
using K = Type::Kind;

const Type* Sema::checkMap(ast::MapLit& e, const Type* expected) {
  const bool typed = expected && expected->is(K::Map);
  if (e.entries.empty()) {
    if (typed) return expected;
    if (expected && isErrorish(expected)) return types_.errorType();  // the type's mistake is reported
    // After a syntax error, a block's `{}` may have been read as a map.
    if (hadParseErrors_) return types_.errorType();
    diags_.report(DiagKind::EmptyMapType, e.range,
                  "cannot tell the key and value types of the empty map `{}`; give the declaration a type "
                  "(`var counts: {string: int} = {}`), use it where a map type is known (a field default, "
                  "a send, a comparison) or give it a first entry");
    return types_.errorType();
  }
  const Type* key = typed ? expected->key() : nullptr;
  const Type* value = typed ? expected->element() : nullptr;
  bool ok = true;
  for (std::size_t i = 0; i < e.entries.size(); ++i) {
    ast::MapLit::Entry& entry = e.entries[i];
    const std::string nth = "entry " + std::to_string(i + 1);
    if (!ok) {  // one mistake, one message: the rest is only checked for its own errors
      checkValue(entry.key.get(), key);
      checkValue(entry.value.get(), value);
      continue;
    }
    if (key) {
      ok = expectType(key, entry.key.get(), "the key of map " + nth) && ok;
    } else {
      key = checkValue(entry.key.get());
      if (isErrorish(key)) {
        ok = false;
      } else if (!isMapKeyType(key)) {
        reportMapKey(key, entry.key->range);
        ok = false;
      }
    }
    if (value) {
      ok = expectType(value, entry.value.get(), "the value of map " + nth) && ok;
    } else {
      value = checkValue(entry.value.get());
      ok = !isErrorish(value) && ok;
    }
  }
  return ok ? types_.mapOf(key, value) : types_.errorType();
}

const Type* Sema::checkMapBuiltin(ast::CallExpr& e, ast::Builtin b) {
  const Type* err = types_.errorType();
  const std::string& name = e.callee.name;
  std::size_t arity = b == ast::Builtin::Get                                   ? 3
                      : (b == ast::Builtin::Keys || b == ast::Builtin::Values) ? 1
                                                                               : 2;
  if (!checkArgCount(e, arity, arity)) {
    return b == ast::Builtin::Has ? types_.boolType() : b == ast::Builtin::Delete ? types_.voidType() : err;
  }
  const Type* map =
      b == ast::Builtin::Delete ? checkAssignTarget(e.args[0].get(), "delete") : checkValue(e.args[0].get());
  auto checkRest = [&] {
    for (std::size_t i = 1; i < e.args.size(); ++i) checkValue(e.args[i].get());
  };
  if (isErrorish(map)) {
    checkRest();
    return b == ast::Builtin::Has ? types_.boolType() : b == ast::Builtin::Delete ? types_.voidType() : err;
  }
  if (!map->is(K::Map)) {
    diags_.report(DiagKind::TypeMismatch, e.args[0]->range,
                  "the first argument of `" + name + "` must be a map, found `" + map->str() + "`");
    checkRest();
    return b == ast::Builtin::Has ? types_.boolType() : b == ast::Builtin::Delete ? types_.voidType() : err;
  }
  const std::string keyWhat = "argument 2 of `" + name + "` (a key of `" + map->str() + "`)";
  switch (b) {
    case ast::Builtin::Get: {
      bool ok = expectType(map->key(), e.args[1].get(), keyWhat);
      ok = expectType(map->element(), e.args[2].get(),
                      "argument 3 of `" + name + "` (the default, a value of `" + map->str() + "`)") &&
           ok;
      return ok ? map->element() : err;
    }
    case ast::Builtin::Has:
      expectType(map->key(), e.args[1].get(), keyWhat);
      return types_.boolType();
    case ast::Builtin::Delete:
      expectType(map->key(), e.args[1].get(), keyWhat);
      return types_.voidType();
    case ast::Builtin::Keys:
      return types_.listOf(map->key());
    case ast::Builtin::Values:
      return types_.listOf(map->element());
    default:
      return err;
  }
}

namespace {

/// `Reading`, `[int]`, `{string: [int]}` written as an expression, as a type.
std::optional<ast::TypeRef> typeOf(const ast::Expr& e) {
  ast::TypeRef ref;
  ref.range = e.range;
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(&e)) {
    ref.name = n->name;
    return ref;
  }
  if (auto* l = llvm::dyn_cast<ast::ListLit>(&e)) {
    if (l->elements.size() != 1) return std::nullopt;
    std::optional<ast::TypeRef> element = typeOf(*l->elements.front());
    if (!element) return std::nullopt;
    ref.kind = ast::TypeRef::Kind::List;
    ref.element = std::make_unique<ast::TypeRef>(std::move(*element));
    return ref;
  }
  if (auto* m = llvm::dyn_cast<ast::MapLit>(&e)) {
    if (m->entries.size() != 1) return std::nullopt;
    std::optional<ast::TypeRef> key = typeOf(*m->entries.front().key);
    std::optional<ast::TypeRef> value = typeOf(*m->entries.front().value);
    if (!key || !value) return std::nullopt;
    ref.kind = ast::TypeRef::Kind::Map;
    ref.key = std::make_unique<ast::TypeRef>(std::move(*key));
    ref.element = std::make_unique<ast::TypeRef>(std::move(*value));
    return ref;
  }
  return std::nullopt;
}

/// Sets the type of every expression of a type argument (they are types,
/// not values: nothing else visits them).
void annotateTypeArg(ast::Expr& e, const ast::Type* t) {
  e.type = t;
  if (auto* l = llvm::dyn_cast<ast::ListLit>(&e)) {
    for (auto& x : l->elements) annotateTypeArg(*x, t->is(ast::Type::Kind::List) ? t->element() : t);
  } else if (auto* m = llvm::dyn_cast<ast::MapLit>(&e)) {
    for (auto& entry : m->entries) {
      annotateTypeArg(*entry.key, t->is(ast::Type::Kind::Map) ? t->key() : t);
      annotateTypeArg(*entry.value, t->is(ast::Type::Kind::Map) ? t->element() : t);
    }
  }
}

/// The first name in a type argument that is not a type.
const ast::NameExpr* firstValueName(const ast::Expr& e,
                                    const std::function<bool(const std::string&)>& isType) {
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(&e)) return isType(n->name) ? nullptr : n;
  if (auto* l = llvm::dyn_cast<ast::ListLit>(&e))
    return l->elements.empty() ? nullptr : firstValueName(*l->elements.front(), isType);
  if (auto* m = llvm::dyn_cast<ast::MapLit>(&e)) {
    if (m->entries.empty()) return nullptr;
    if (auto* k = firstValueName(*m->entries.front().key, isType)) return k;
    return firstValueName(*m->entries.front().value, isType);
  }
  return nullptr;
}

}  // namespace

const Type* Sema::checkTypeArg(ast::CallExpr& call, ast::Expr& arg) {
  std::optional<ast::TypeRef> ref = typeOf(arg);
  auto isType = [this](const std::string& n) {
    return n == "int" || n == "float" || n == "bool" || n == "string" || n == "duration" ||
           typeDecls_.count(n) || isErrorName(n);
  };
  const ast::NameExpr* value = ref ? firstValueName(arg, isType) : nullptr;
  // A name of a value (a local, a param, a const) where the type goes.
  bool isValueName = false;
  if (value) {
    isValueName = consts_.count(value->name) > 0 ||
                  (context_ == ExprContext::Body && lookupLocal(value->name)) ||
                  (context_ != ExprContext::Module && members_.count(value->name) > 0);
  }
  if (!ref || isValueName) {
    std::string what = isValueName ? "`" + value->name + "` is a value, not a type" : "this is not a type";
    diags_.report(DiagKind::NotAType, isValueName ? value->range : arg.range,
                  what + "; `" + call.callee.name +
                      "` takes the type to decode first, as written in a declaration: `from_json(Reading, "
                      "line)`, `from_json([int], s)`, `from_json({string: float}, s)`");
    annotateTypeArg(arg, types_.errorType());
    return types_.errorType();
  }
  const Type* t = resolveType(*ref);
  annotateTypeArg(arg, t);
  call.typeArg = t;
  return t;
}

}  // namespace flow::sema
