// ast/types.cpp — Type spelling and interning.
#include "ast/types.h"

#include "ast/ast.h"

namespace flow::ast {

std::string Type::str() const {
  switch (kind_) {
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::Bool:
      return "bool";
    case Kind::String:
      return "string";
    case Kind::Duration:
      return "duration";
    case Kind::List:
      return "[" + element_->str() + "]";
    case Kind::Map:
      return "{" + key_->str() + ": " + element_->str() + "}";
    case Kind::Record:
      return record_->name;
    case Kind::Failed:
      return "Failed<" + element_->str() + ">";
    case Kind::Void:
      return "void";
    case Kind::Error:
      return "<error>";
  }
  return "<error>";
}

TypeContext::TypeContext()
    : int_(new Type(Type::Kind::Int, nullptr, nullptr)),
      float_(new Type(Type::Kind::Float, nullptr, nullptr)),
      bool_(new Type(Type::Kind::Bool, nullptr, nullptr)),
      string_(new Type(Type::Kind::String, nullptr, nullptr)),
      duration_(new Type(Type::Kind::Duration, nullptr, nullptr)),
      void_(new Type(Type::Kind::Void, nullptr, nullptr)),
      error_(new Type(Type::Kind::Error, nullptr, nullptr)) {}

const Type* TypeContext::listOf(const Type* element) {
  auto& slot = lists_[element];
  if (!slot) slot.reset(new Type(Type::Kind::List, element, nullptr));
  return slot.get();
}

const Type* TypeContext::mapOf(const Type* key, const Type* value) {
  auto& slot = maps_[{key, value}];
  if (!slot) slot.reset(new Type(Type::Kind::Map, value, nullptr, key));
  return slot.get();
}

const Type* TypeContext::recordOf(const TypeDecl* decl) {
  auto& slot = records_[decl];
  if (!slot) slot.reset(new Type(Type::Kind::Record, nullptr, decl));
  return slot.get();
}

const Type* TypeContext::failedOf(const Type* item) {
  auto& slot = failed_[item];
  if (!slot) slot.reset(new Type(Type::Kind::Failed, item, nullptr));
  return slot.get();
}

}  // namespace flow::ast
