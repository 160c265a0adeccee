// ast/types.h — semantic types of Flow values (docs/language.md, "Types and
// values"), interned in a TypeContext so they compare by pointer. Sema assigns
// one to every expression; emit reads them to pick C++ types. Does not know
// syntax: a written type is an ast::TypeRef, which sema resolves to a Type.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

namespace flow::ast {

struct TypeDecl;

class Type {
 public:
  enum class Kind { Int, Float, Bool, String, Duration, List, Map, Record, Failed, Void, Error };

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool is(Kind k) const { return kind_ == k; }
  [[nodiscard]] bool isNumeric() const { return kind_ == Kind::Int || kind_ == Kind::Float; }
  /// Error is the type of an expression that already produced a diagnostic;
  /// checks accept it silently so one mistake yields one message.
  [[nodiscard]] bool isError() const { return kind_ == Kind::Error; }
  /// Element type of a list, value type of a map, the item type T of
  /// `Failed<T>`; null otherwise.
  [[nodiscard]] const Type* element() const { return element_; }
  /// Key type of a map; null otherwise.
  [[nodiscard]] const Type* key() const { return key_; }
  /// Declaration of a record type; null otherwise.
  [[nodiscard]] const TypeDecl* record() const { return record_; }
  /// Flow spelling: `int`, `[string]`, `{string: int}`, `Job`, `Failed<Job>`.
  [[nodiscard]] std::string str() const;

 private:
  friend class TypeContext;
  Type(Kind k, const Type* element, const TypeDecl* record, const Type* key = nullptr)
      : kind_(k), element_(element), record_(record), key_(key) {}
  Kind kind_;
  const Type* element_;
  const TypeDecl* record_;
  const Type* key_;
};

/// Owns every Type of one compilation. Not thread-safe.
class TypeContext {
 public:
  TypeContext();
  const Type* intType() const { return int_.get(); }
  const Type* floatType() const { return float_.get(); }
  const Type* boolType() const { return bool_.get(); }
  const Type* stringType() const { return string_.get(); }
  const Type* durationType() const { return duration_.get(); }
  const Type* voidType() const { return void_.get(); }
  const Type* errorType() const { return error_.get(); }
  const Type* listOf(const Type* element);
  const Type* mapOf(const Type* key, const Type* value);
  const Type* recordOf(const TypeDecl* decl);
  /// `Failed<item>`: the built-in dead-letter record {item, error, stage, attempts}.
  const Type* failedOf(const Type* item);

 private:
  std::unique_ptr<Type> int_, float_, bool_, string_, duration_, void_, error_;
  std::map<const Type*, std::unique_ptr<Type>> lists_;
  std::map<std::pair<const Type*, const Type*>, std::unique_ptr<Type>> maps_;
  std::map<const TypeDecl*, std::unique_ptr<Type>> records_;
  std::map<const Type*, std::unique_ptr<Type>> failed_;
};

}  // namespace flow::ast
