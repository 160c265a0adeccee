// emit/names.h — how Flow names and types are spelled in C++. Every Flow
// identifier must be safe in C++ (a variable named `int`, `new`, `std` or
// `flow` must work), so names live in disjoint families that never collide:
//   locals, loop variables, items   v_NAME     (prefix: never a keyword)
//   consts                          k_NAME
//   channels (in build())           c_NAME
//   temporaries                     t_N        (N a number)
//   records, functions, fields,     NAME as written, unless it is a C++
//   params, state
//                                   keyword or a name the generated code
//                                   itself uses; then NAME_ (and more `_`
//                                   until unique in its scope)
// Does not emit code; pure functions over names and types.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ast/ast.h"

namespace flow::emit {

/// True for C++ keywords, alternative tokens and standard macros that would
/// break a name used as written.
[[nodiscard]] bool isCppReserved(std::string_view name);

/// Gives each of `names` a C++ spelling that is not reserved, not in
/// `taken`, and unique among them; same order as `names`.
[[nodiscard]] std::vector<std::string> memberNames(const std::vector<std::string>& names,
                                                   const std::set<std::string>& taken = {});

inline std::string localName(std::string_view n) { return "v_" + std::string(n); }
inline std::string constName(std::string_view n) { return "k_" + std::string(n); }
inline std::string channelVar(std::string_view n) { return "c_" + std::string(n); }

/// The C++ names of one module's records, their fields and one pipeline's
/// params: computed once so every file agrees.
class Names {
 public:
  explicit Names(const ast::Module& module, const ast::PipelineDecl* pipeline);

  [[nodiscard]] const std::string& record(const ast::TypeDecl* decl) const { return records_.at(decl); }
  [[nodiscard]] const std::string& field(const ast::TypeDecl* decl, size_t index) const {
    return fields_.at(decl)[index];
  }
  [[nodiscard]] std::string field(const ast::TypeDecl* decl, std::string_view name) const;
  [[nodiscard]] std::string param(const ast::ParamDecl* decl) const;
  /// A Flow function's C++ name (in ns(), beside the records).
  [[nodiscard]] const std::string& fn(const ast::FnDecl* decl) const { return fns_.at(decl); }
  /// The namespace of the generated code: `flowgen::NAME`.
  [[nodiscard]] const std::string& ns() const { return ns_; }
  /// The embedding class's name (`NamePipeline`-free: the pipeline's name).
  [[nodiscard]] const std::string& pipelineClass() const { return class_; }

  /// C++ spelling of a Flow type (records unqualified, inside ns()).
  [[nodiscard]] std::string type(const ast::Type* t) const;

 private:
  std::map<const ast::TypeDecl*, std::string> records_;
  std::map<const ast::TypeDecl*, std::vector<std::string>> fields_;
  std::map<const ast::ParamDecl*, std::string> params_;
  std::map<const ast::FnDecl*, std::string> fns_;
  std::string ns_;
  std::string class_;
};

}  // namespace flow::emit
