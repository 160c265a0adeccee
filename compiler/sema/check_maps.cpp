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

}  // namespace flow::sema
