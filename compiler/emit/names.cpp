// emit/names.cpp — the C++ keyword list and the name families of names.h.
#include "emit/names.h"

namespace flow::emit {
namespace {

constexpr std::string_view kReserved[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default",
    "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false",
    "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
    "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
    "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true",
    "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile",
    "wchar_t", "while", "xor", "xor_eq",
    // macros of the C and C++ standard libraries, and compiler-predefined ones
    "assert", "errno", "NULL", "EOF", "stdin", "stdout", "stderr", "offsetof", "setjmp", "va_arg", "linux",
    "unix", "BUFSIZ", "CHAR_BIT", "INT_MAX", "INT_MIN", "SIGINT", "SIGTERM", "EXIT_SUCCESS", "EXIT_FAILURE",
    "RAND_MAX", "FILENAME_MAX", "major", "minor", "final", "override", "import", "module"};

/// Names the generated namespace itself defines or relies on.
const std::set<std::string> kGenerated = {"Params", "build", "flow_format", "std", "flow", "flowgen", "main",
                                          "State",  "P",     "pl",          "ctx", "st",   "detail"};

std::string avoid(std::string name, const std::set<std::string>& taken) {
  if (isCppReserved(name) || taken.count(name) != 0) name += "_";
  while (taken.count(name) != 0) name += "_";
  return name;
}

}  // namespace

bool isCppReserved(std::string_view name) {
  for (std::string_view k : kReserved)
    if (k == name) return true;
  // Reserved for the implementation: leading `_` + capital, or any `__`.
  if (name.size() >= 2 && name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z') return true;
  return name.find("__") != std::string_view::npos;
}

std::vector<std::string> memberNames(const std::vector<std::string>& names,
                                     const std::set<std::string>& taken) {
  std::set<std::string> used = taken;
  std::vector<std::string> out;
  for (const auto& n : names) {
    std::string m = avoid(n, used);
    used.insert(m);
    out.push_back(std::move(m));
  }
  return out;
}

Names::Names(const ast::Module& module, const ast::PipelineDecl* pipeline) {
  std::string pl = pipeline ? pipeline->name.name : std::string("flow");
  ns_ = "flowgen::" + avoid(pl, {});
  std::set<std::string> taken = kGenerated;
  class_ = avoid(pl, taken);
  taken.insert(class_);
  std::vector<std::string> recordNames;
  for (const auto& t : module.types) recordNames.push_back(t->name);
  std::vector<std::string> mangled = memberNames(recordNames, taken);
  for (size_t i = 0; i < module.types.size(); ++i) {
    const ast::TypeDecl* decl = module.types[i].get();
    records_[decl] = mangled[i];
    std::vector<std::string> fieldNames;
    for (const auto& f : decl->fields) fieldNames.push_back(f.name.name);
    fields_[decl] = memberNames(fieldNames);
  }
  // Functions share the namespace with the records, build() and the
  // per-stage State_ structs.
  for (const auto& m : mangled) taken.insert(m);
  taken.insert("Ports");
  if (pipeline)
    for (const auto& s : pipeline->stages) taken.insert("State_" + s->name.name);
  std::vector<std::string> fnNames;
  for (const auto& f : module.fns) fnNames.push_back(f->name.name);
  std::vector<std::string> fnMangled = memberNames(fnNames, taken);
  for (size_t i = 0; i < module.fns.size(); ++i) fns_[module.fns[i].get()] = fnMangled[i];
  if (pipeline) {
    std::vector<std::string> paramNames;
    for (const auto& p : pipeline->params) paramNames.push_back(p->name.name);
    std::vector<std::string> pm = memberNames(paramNames);
    for (size_t i = 0; i < pipeline->params.size(); ++i) params_[pipeline->params[i].get()] = pm[i];
  }
}

std::string Names::field(const ast::TypeDecl* decl, std::string_view name) const {
  for (size_t i = 0; i < decl->fields.size(); ++i)
    if (decl->fields[i].name.name == name) return fields_.at(decl)[i];
  return std::string(name);
}

std::string Names::param(const ast::ParamDecl* decl) const {
  auto it = params_.find(decl);
  return it != params_.end() ? it->second : avoid(decl->name.name, {});
}

std::string Names::type(const ast::Type* t) const {
  if (!t) return "void";
  switch (t->kind()) {
    case ast::Type::Kind::Int:
      return "std::int64_t";
    case ast::Type::Kind::Float:
      return "double";
    case ast::Type::Kind::Bool:
      return "bool";
    case ast::Type::Kind::String:
      return "std::string";
    case ast::Type::Kind::Duration:
      return "std::chrono::nanoseconds";
    case ast::Type::Kind::List:
      return "std::vector<" + type(t->element()) + ">";
    case ast::Type::Kind::Map:
      return "flow::Map<" + type(t->key()) + ", " + type(t->element()) + ">";
    case ast::Type::Kind::Record:
      return record(t->record());
    case ast::Type::Kind::Failed:
      return "flow::Failed<" + type(t->element()) + ">";
    case ast::Type::Kind::Void:
      return "void";
    case ast::Type::Kind::Error:
      return "void";
  }
  return "void";
}

}  // namespace flow::emit
