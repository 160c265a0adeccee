// emit/emit_fns.cpp — Flow functions (`fn name(p: T) -> R { … }`) as plain
// C++ functions in the generated namespace, so stage bodies, other
// functions, extern .cpp files and embedding hosts can all call them. Every
// function is declared in the shared block (PIPELINE.flow.h and the top of
// the program); a small one is defined there as `inline`, a larger one once,
// in the program or the embedding source. Strings, lists and records are
// passed by const reference (parameters are read-only in Flow). A `fail`
// throws flow::ItemFailed, which fails the calling item; a recursive
// function checks the stack on entry, so runaway recursion fails the item
// instead of crashing the process. Statement lowering is emit_stmt.cpp's.
#include <llvm/Support/Casting.h>

#include "emit/emit_internal.h"

namespace flow::emit {
namespace {

using TK = ast::Type::Kind;

/// Statements in `block`, nested ones included; loops count as many.
int weight(const ast::Block& block) {
  int n = 0;
  for (const auto& s : block.stmts) {
    ++n;
    if (auto* i = llvm::dyn_cast<ast::IfStmt>(s.get())) {
      n += weight(i->then);
      if (i->otherwise) n += weight(*i->otherwise);
    } else if (llvm::isa<ast::ForStmt>(s.get()) || llvm::isa<ast::WhileStmt>(s.get())) {
      n += 100;
    }
  }
  return n;
}

/// Small enough to be defined in the header as `inline` (a few statements,
/// no loop): callers in other translation units can then inline it.
bool isSmall(const ast::FnDecl& fn) { return weight(fn.body) <= 4; }

std::string paramType(const Emitter& em, const ast::Type* t) {
  std::string type = em.names.type(t);
  if (t && (t->is(TK::String) || t->is(TK::List) || t->record())) return "const " + type + "&";
  return type;
}

std::string signature(const Emitter& em, const ast::FnDecl& fn, const BodyFacts* facts) {
  std::string out = em.names.type(fn.result ? fn.result->resolved : nullptr) + " " + em.names.fn(&fn) + "(";
  for (size_t i = 0; i < fn.params.size(); ++i) {
    const ast::FnParam& p = fn.params[i];
    bool unused = facts && facts->readDecls.count(&p) == 0;
    out += (i ? ", " : "") + std::string(unused ? "[[maybe_unused]] " : "") + paramType(em, p.type.resolved) +
           " " + localName(p.name.name);
  }
  return out + ")";
}

void emitDefinition(const Emitter& em, CppWriter& w, const ast::FnDecl& fn, bool isInline) {
  BodyFacts facts;
  scanBlock(fn.body, facts);
  Scope scope{em};
  scope.fn = &fn;
  scope.plain = true;
  scope.facts = &facts;
  if (fn.isRecursive) {
    // A function that calls itself on every path is legal Flow (each call
    // fails with `stack exhausted`); g++ and clang++ warn about it.
    w.line("#pragma GCC diagnostic push");
    w.line("#pragma GCC diagnostic ignored \"-Winfinite-recursion\"");
  }
  w.line(std::string(isInline ? "inline " : "") + signature(em, fn, &facts) + " {");
  w.indent();
  if (fn.isRecursive) w.line("flow::checkStack(" + cppStringLiteral(fn.name.name) + ");");
  lowerBlock(scope, w, fn.body);
  // Sema proved that every path returns or fails; this keeps the C++
  // compiler's own flow analysis (-Wreturn-type) from having to agree.
  if (fn.result) w.line("flow::detail::throwMissingReturn(" + cppStringLiteral(fn.name.name) + ");");
  w.dedent();
  w.line("}");
  w.mapBack();
  if (fn.isRecursive) w.line("#pragma GCC diagnostic pop");
}

}  // namespace

void emitFnDecls(const Emitter& em, CppWriter& w) {
  if (em.module.fns.empty()) return;
  w.line("namespace " + em.names.ns() + " {");
  w.line("");
  w.line("// The functions of the .flow file: plain C++ functions (a `fail` inside one");
  w.line("// throws flow::ItemFailed, which fails the calling item).");
  for (const auto& fn : em.module.fns) w.line(signature(em, *fn, nullptr) + ";");
  for (const auto& fn : em.module.fns) {
    if (!isSmall(*fn)) continue;
    w.line("");
    emitDefinition(em, w, *fn, /*isInline=*/true);
  }
  w.line("");
  w.line("}  // namespace " + em.names.ns());
  w.line("");
}

void emitFnDefs(const Emitter& em, CppWriter& w) {
  for (const auto& fn : em.module.fns) {
    if (isSmall(*fn)) continue;
    emitDefinition(em, w, *fn, /*isInline=*/false);
    w.line("");
  }
}

}  // namespace flow::emit
