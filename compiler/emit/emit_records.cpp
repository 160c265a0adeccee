// emit/emit_records.cpp — every `type` declaration as a C++ aggregate: the
// fields with their defaults, a defaulted `operator==` (records compare field
// by field) and a `flow_format` overload found by ADL, so the runtime's
// printing (docs/language.md, "Types and values": `Job{id: 1, processed:
// false}`, nested strings quoted) works through flow::str, flow::concat and
// print. Records come out in dependency order (a record used by a field is
// defined first).
#include <functional>
#include <set>

#include "emit/emit_internal.h"

namespace flow::emit {
namespace {

/// Records used by value in `t` (directly or as list elements).
void recordDeps(const ast::Type* t, std::vector<const ast::TypeDecl*>& out) {
  if (!t) return;
  if (t->record()) out.push_back(t->record());
  if (t->element()) recordDeps(t->element(), out);
}

std::vector<const ast::TypeDecl*> dependencyOrder(const ast::Module& module) {
  std::vector<const ast::TypeDecl*> order;
  std::set<const ast::TypeDecl*> done, active;
  std::function<void(const ast::TypeDecl*)> visit = [&](const ast::TypeDecl* d) {
    if (done.count(d) || active.count(d)) return;
    active.insert(d);
    std::vector<const ast::TypeDecl*> deps;
    for (const auto& f : d->fields) recordDeps(f.type.resolved, deps);
    for (const auto* dep : deps) visit(dep);
    active.erase(d);
    done.insert(d);
    order.push_back(d);
  };
  for (const auto& t : module.types) visit(t.get());
  return order;
}

void emitStruct(const Emitter& em, CppWriter& w, const ast::TypeDecl& decl) {
  const std::string& name = em.names.record(&decl);
  w.line("struct " + name + " {");
  w.indent();
  for (size_t i = 0; i < decl.fields.size(); ++i) {
    const ast::FieldDecl& f = decl.fields[i];
    std::string type = em.names.type(f.type.resolved);
    std::string member = em.names.field(&decl, i);
    if (f.defaultValue) {
      Scope scope{em};
      w.line(type + " " + member + " = " + lowerAs(scope, *f.defaultValue, f.type.resolved) + ";");
    } else {
      w.line(type + " " + member + "{};");
    }
  }
  w.line("friend bool operator==(const " + name + "&, const " + name + "&) = default;");
  w.dedent();
  w.line("};");
}

void emitFormat(const Emitter& em, CppWriter& w, const ast::TypeDecl& decl) {
  const std::string& name = em.names.record(&decl);
  w.line("// How this record prints; found by ADL from flow::str, flow::concat and print.");
  std::string param = decl.fields.empty() ? "const " + name + "&" : "const " + name + "& v";
  w.line("inline void flow_format(std::string& out, " + param + ") {");
  w.indent();
  std::string pending = decl.name + "{";
  for (size_t i = 0; i < decl.fields.size(); ++i) {
    pending += (i ? ", " : "") + decl.fields[i].name.name + ": ";
    w.line("out += std::string_view(" + cppStringLiteral(pending) + ");");
    w.line("flow::format_nested(out, v." + em.names.field(&decl, i) + ");");
    pending.clear();
  }
  w.line("out += std::string_view(" + cppStringLiteral(pending + "}") + ");");
  w.dedent();
  w.line("}");
}

}  // namespace

void emitRecords(const Emitter& em, CppWriter& w) {
  for (const ast::TypeDecl* decl : dependencyOrder(em.module)) {
    emitStruct(em, w, *decl);
    emitFormat(em, w, *decl);
    w.line("");
  }
}

}  // namespace flow::emit
