// sema/check_types.cpp — written types (`int`, `Job`, `[string]`) resolved to
// interned ast::Types, record declarations (duplicate fields, field defaults
// of the right type, records that contain themselves) and the one helper
// every other check uses to require a type (expectType). It does not check
// record literals; check_expr.cpp does.
#include <unordered_map>

#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Type;

bool Sema::isErrorish(const Type* t) const {
  if (t && t->is(Type::Kind::Map)) return isErrorish(t->key()) || isErrorish(t->element());
  while (t && (t->is(Type::Kind::List) || t->is(Type::Kind::Failed))) t = t->element();
  if (t && t->is(Type::Kind::Map)) return isErrorish(t);
  return t == nullptr || t->isError();
}

bool isMapKeyType(const Type* t) {
  return t->is(Type::Kind::Int) || t->is(Type::Kind::String) || t->is(Type::Kind::Bool);
}

void Sema::reportMapKey(const Type* key, SourceRange range) {
  diags_.report(DiagKind::UnsupportedMapKey, range,
                "a map key must be an `int`, a `string` or a `bool`, found `" + key->str() + "`" +
                    (key->is(Type::Kind::Record) ? "; key by one of its fields, or by `str(…)` of it" : ""));
}

const Type* Sema::resolveType(ast::TypeRef& ref) {
  if (ref.resolved) return ref.resolved;
  if (ref.kind == ast::TypeRef::Kind::List) {
    const Type* element = ref.element ? resolveType(*ref.element) : types_.errorType();
    ref.resolved = element->isError() ? element : types_.listOf(element);
    return ref.resolved;
  }
  if (ref.kind == ast::TypeRef::Kind::Map) {
    const Type* key = ref.key ? resolveType(*ref.key) : types_.errorType();
    const Type* value = ref.element ? resolveType(*ref.element) : types_.errorType();
    if (!key->isError() && !isMapKeyType(key)) {
      reportMapKey(key, ref.key->range);
      key = types_.errorType();
    }
    ref.resolved = key->isError() || value->isError() ? types_.errorType() : types_.mapOf(key, value);
    return ref.resolved;
  }
  if (ref.kind == ast::TypeRef::Kind::Generic) return ref.resolved = resolveGeneric(ref);
  const std::string& n = ref.name;
  if (n == "Failed" && typeDecls_.count(n) == 0) {
    diags_.report(DiagKind::UnknownType, ref.range,
                  "`Failed` needs the type of the failed item: `Failed<T>`, e.g. `Failed<Job>`");
    return ref.resolved = types_.errorType();
  }
  if (n == "int") return ref.resolved = types_.intType();
  if (n == "float") return ref.resolved = types_.floatType();
  if (n == "bool") return ref.resolved = types_.boolType();
  if (n == "string") return ref.resolved = types_.stringType();
  if (n == "duration") return ref.resolved = types_.durationType();
  if (auto it = typeDecls_.find(n); it != typeDecls_.end()) return ref.resolved = types_.recordOf(it->second);
  // The parser already complained, or lost the declaration it names.
  if (isErrorName(n) || module_.lostDecl) return ref.resolved = types_.errorType();
  std::vector<std::string> candidates = {"bool", "duration", "float", "int", "string"};
  for (const auto& [name, decl] : typeDecls_) candidates.emplace_back(name);
  std::sort(candidates.begin() + 5, candidates.end());
  diags_.report(DiagKind::UnknownType, ref.range, "unknown type `" + n + "`" + didYouMean(n, candidates));
  return ref.resolved = types_.errorType();
}

const Type* Sema::resolveGeneric(ast::TypeRef& ref) {
  const Type* item = ref.element ? resolveType(*ref.element) : types_.errorType();
  if (ref.name != "Failed") {
    if (!isErrorName(ref.name))
      diags_.report(DiagKind::UnknownType, ref.range,
                    "unknown type `" + ref.name +
                        "<…>`; the only type that takes a type argument is "
                        "`Failed<T>`" +
                        didYouMean(ref.name, {"Failed"}));
    return types_.errorType();
  }
  return item->isError() ? item : types_.failedOf(item);
}

const ast::FieldDecl* Sema::findField(const ast::TypeDecl& decl, std::string_view name) const {
  for (const auto& f : decl.fields)
    if (f.name.name == name) return &f;
  return nullptr;
}

void Sema::checkTypeDecls() {
  for (auto& t : module_.types) {
    if (!t) continue;
    if (t->hasSyntaxError) {
      // Fields the parser could read keep their types, quietly.
      for (auto& f : t->fields)
        if (!f.type.resolved) f.type.resolved = types_.errorType();
      continue;
    }
    std::unordered_map<std::string_view, SourceRange> seen;
    for (auto& f : t->fields) {
      auto [it, fresh] = seen.emplace(f.name.name, f.name.range);
      if (!fresh)
        diags_
            .report(DiagKind::DuplicateField, f.name.range,
                    "field `" + f.name.name + "` is declared twice in type `" + t->name + "`")
            .note(it->second, "`" + f.name.name + "` first declared here");
      const Type* ft = resolveType(f.type);
      if (f.defaultValue)
        checkConstExpr(f.defaultValue.get(), ft, ExprContext::Module,
                       "the default of field `" + f.name.name + "`");
    }
  }
}

// A record that contains itself directly (not through a list) would be an
// infinitely large struct. Depth-first search over record-typed fields; each
// back edge is one cycle, reported at the field that closes it.
void Sema::checkRecursiveRecords() {
  enum class Color { White, Gray, Black };
  std::unordered_map<const ast::TypeDecl*, Color> color;
  struct Frame {
    const ast::TypeDecl* decl;
    std::size_t next;  // index of the next field to visit
  };
  for (auto& root : module_.types) {
    if (!root || color[root.get()] != Color::White) continue;
    std::vector<Frame> stack{{root.get(), 0}};
    color[root.get()] = Color::Gray;
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.decl->fields.size()) {
        color[top.decl] = Color::Black;
        stack.pop_back();
        continue;
      }
      const ast::FieldDecl& f = top.decl->fields[top.next++];
      const Type* ft = f.type.resolved;
      while (ft && ft->is(Type::Kind::Failed)) ft = ft->element();  // Failed<T> holds its T by value
      if (!ft || !ft->is(Type::Kind::Record)) continue;
      const ast::TypeDecl* target = ft->record();
      Color& c = color[target];
      if (c == Color::White) {
        c = Color::Gray;
        stack.push_back({target, 0});
        continue;
      }
      if (c != Color::Gray) continue;
      std::string path;
      bool onCycle = false;
      for (const Frame& fr : stack) {
        if (fr.decl == target) onCycle = true;
        if (onCycle) path += "`" + fr.decl->name + "` -> ";
      }
      path += "`" + target->name + "`";
      diags_.report(DiagKind::RecursiveType, f.type.range,
                    "type `" + target->name + "` contains itself: " + path +
                        "; a record cannot contain itself, use a list `[" + target->name + "]`");
    }
  }
}

bool Sema::expectType(const Type* want, ast::Expr* expr, const std::string& what) {
  const Type* got = checkValue(expr, want);
  if (isErrorish(want) || isErrorish(got) || got == want) return true;
  std::string hint;
  if (want->is(Type::Kind::Float) && got->is(Type::Kind::Int))
    hint =
        llvm::isa<ast::IntLit>(expr) ? "; write it as a float, e.g. `1.0`" : "; convert it with `float(…)`";
  else if (want->is(Type::Kind::String))
    hint = "; convert it with `str(…)` or interpolation";
  diags_.report(DiagKind::TypeMismatch, expr->range,
                what + " must be `" + want->str() + "`, found `" + got->str() + "`" + hint);
  return false;
}

}  // namespace flow::sema
