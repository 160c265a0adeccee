// emit/emit_records.cpp — every `type` declaration as a C++ aggregate: the
// fields with their defaults, a defaulted `operator==` (records compare field
// by field) and a `flow_format` overload found by ADL, so the runtime's
// printing (docs/language.md, "Types and values": `Job{id: 1, processed:
// false}`, nested strings quoted) works through flow::str, flow::concat and
// print; with to_json / from_json in the pipeline, a `flow_to_json` and a
// `flow_from_json` per record (generated code, not reflection). Records come
// out in dependency order (a record used by a field is defined first).
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

/// A function `FN(std::string& out, const Record& v)` that appends, for each
/// field, the text `label(i)` (after `open` for the first) and then `write(v.field)`;
/// then `close`. Printing and to_json differ only in these pieces.
template <class Label>
void emitFieldWriter(const Emitter& em, CppWriter& w, const ast::TypeDecl& decl, const std::string& fn,
                     std::string open, Label label, const std::string& write, const std::string& close) {
  const std::string& name = em.names.record(&decl);
  std::string param = decl.fields.empty() ? "const " + name + "&" : "const " + name + "& v";
  w.line("inline void " + fn + "(std::string& out, " + param + ") {");
  w.indent();
  std::string pending = std::move(open);
  for (size_t i = 0; i < decl.fields.size(); ++i) {
    pending += label(i);
    w.line("out += std::string_view(" + cppStringLiteral(pending) + ");");
    w.line(write + "(out, v." + em.names.field(&decl, i) + ");");
    pending.clear();
  }
  w.line("out += std::string_view(" + cppStringLiteral(pending + close) + ");");
  w.dedent();
  w.line("}");
}

void emitFormat(const Emitter& em, CppWriter& w, const ast::TypeDecl& decl) {
  w.line("// How this record prints; found by ADL from flow::str, flow::concat and print.");
  emitFieldWriter(
      em, w, decl, "flow_format", decl.name + "{",
      [&](size_t i) { return (i ? ", " : "") + decl.fields[i].name.name + ": "; }, "flow::format_nested",
      "}");
}

/// to_json: `{"a":1,"b":"x"}`, every field in declaration order (found by ADL).
void emitToJson(const Emitter& em, CppWriter& w, const ast::TypeDecl& decl) {
  emitFieldWriter(
      em, w, decl, "flow_to_json", "{",
      [&](size_t i) { return (i ? ",\"" : "\"") + decl.fields[i].name.name + "\":"; }, "flow::json::write",
      "}");
}

/// from_json: the object's fields by name, unknown ones skipped; a field
/// without a default must be there (found by ADL).
void emitFromJson(const Emitter& em, CppWriter& w, const ast::TypeDecl& decl) {
  const std::string& name = em.names.record(&decl);
  bool anyRequired = false;
  for (const auto& f : decl.fields) anyRequired = anyRequired || !f.defaultValue;
  w.line("inline void flow_from_json(flow::json::Decoder& d, " +
         std::string(decl.fields.empty() ? "[[maybe_unused]] " : "") + name + "& v) {");
  w.indent();
  w.line(std::string(anyRequired ? "" : "[[maybe_unused]] ") + "const std::size_t at = d.beginObject();");
  for (size_t i = 0; i < decl.fields.size(); ++i)
    if (!decl.fields[i].defaultValue) w.line("bool seen" + std::to_string(i) + " = false;");
  w.line("std::string_view key;");
  w.line("while (d.nextField(key)) {");
  w.indent();
  for (size_t i = 0; i < decl.fields.size(); ++i) {
    const ast::FieldDecl& f = decl.fields[i];
    w.line(std::string(i ? "} else " : "") + "if (key == std::string_view(" + cppStringLiteral(f.name.name) +
           ")) {");
    w.indent();
    w.line("flow::json::read(d, v." + em.names.field(&decl, i) + ");");
    if (!f.defaultValue) w.line("seen" + std::to_string(i) + " = true;");
    w.dedent();
  }
  if (!decl.fields.empty()) w.line("}");
  w.dedent();
  w.line("}");
  for (size_t i = 0; i < decl.fields.size(); ++i)
    if (!decl.fields[i].defaultValue)
      w.line("if (!seen" + std::to_string(i) + ") d.missing(" + cppStringLiteral(decl.fields[i].name.name) +
             ", at);");
  w.dedent();
  w.line("}");
}

}  // namespace

void emitRecords(const Emitter& em, CppWriter& w) {
  const BodyFacts uses = pipelineFacts(em);
  for (const ast::TypeDecl* decl : dependencyOrder(em.module)) {
    emitStruct(em, w, *decl);
    emitFormat(em, w, *decl);
    if (uses.usesToJson) emitToJson(em, w, *decl);
    if (uses.usesFromJson) emitFromJson(em, w, *decl);
    w.line("");
  }
}

}  // namespace flow::emit
