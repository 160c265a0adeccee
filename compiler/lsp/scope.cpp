// lsp/scope.cpp — namesInScope() (symbols.h): the names a program may use
// at a place, for completion — the locals declared before it in the blocks
// around it (innermost first), then the body's, the pipeline's, a test's and
// the module's names. Reads the AST and sema's types; does not index uses
// (symbols.cpp does).
#include <llvm/Support/Casting.h>

#include <set>

#include "lsp/symbols.h"
#include "sema/sema.h"

namespace flow::lsp {
namespace {

using llvm::dyn_cast;

bool contains(SourceRange r, const char* at) {
  return r.isValid() && r.end.isValid() && r.begin.getPointer() <= at && at <= r.end.getPointer();
}

/// Collects the names declared before `at` in the blocks that enclose it.
class ScopeWalker {
 public:
  ScopeWalker(const char* at, std::vector<Symbol>& out) : at_(at), out_(out) {}

  void block(const ast::Block& b) {
    if (!contains(b.range, at_)) return;
    for (const auto& st : b.stmts) {
      if (!st || !st->range.isValid()) continue;
      if (st->range.begin.getPointer() > at_) break;
      if (auto* s = dyn_cast<ast::LetStmt>(st.get())) {
        if (s->range.end.getPointer() < at_) {
          const ast::Type* t = s->init ? s->init->type : nullptr;
          out_.push_back(
              {{}, SymbolKind::Local, s->name.name, (s->isMutable ? "var" : "let") + typeSuffix(t), {}, t});
        }
      } else if (auto* s = dyn_cast<ast::IfStmt>(st.get())) {
        block(s->then);
        if (s->otherwise) block(*s->otherwise);
      } else if (auto* s = dyn_cast<ast::ForStmt>(st.get())) {
        if (contains(s->body.range, at_)) {
          out_.push_back(
              {{}, SymbolKind::Local, s->var.name, "for" + typeSuffix(s->varType), {}, s->varType});
          block(s->body);
        }
      } else if (auto* s = dyn_cast<ast::WhileStmt>(st.get())) {
        block(s->body);
      } else if (auto* s = dyn_cast<ast::SendStmt>(st.get())) {
        if (s->otherwise) block(*s->otherwise);
      } else if (auto* s = dyn_cast<ast::FinallyStmt>(st.get())) {
        block(s->body);
      }
    }
  }
  static std::string typeSuffix(const ast::Type* t) { return t && !t->isError() ? " " + t->str() : ""; }

 private:
  const char* at_;
  std::vector<Symbol>& out_;
};

}  // namespace

std::vector<Symbol> namesInScope(const ast::Module& module, const llvm::SourceMgr& sources, unsigned buffer,
                                 std::size_t offset) {
  std::vector<Symbol> inner;  // innermost first
  const char* at = sources.getMemoryBuffer(buffer)->getBufferStart() + offset;
  auto t = ScopeWalker::typeSuffix;
  // The locals of the enclosing blocks, outermost first as the walk finds
  // them, then reversed.
  auto locals = [&](const ast::Block& body) {
    std::vector<Symbol> found;
    ScopeWalker(at, found).block(body);
    inner.insert(inner.end(), std::make_move_iterator(found.rbegin()), std::make_move_iterator(found.rend()));
  };
  const ast::PipelineDecl* pipeline = nullptr;
  for (const auto& fn : module.fns) {
    if (!contains(fn->range, at)) continue;
    locals(fn->body);
    for (const auto& p : fn->params)
      inner.push_back(
          {{}, SymbolKind::FnParam, p.name.name, "param" + t(p.type.resolved), {}, p.type.resolved});
  }
  for (const auto& p : module.pipelines) {
    if (!contains(p->range, at)) continue;
    pipeline = p.get();
    for (const auto& s : p->stages) {
      if (!contains(s->range, at)) continue;
      locals(s->body);
      if (contains(s->body.range, at)) {
        for (const auto& st : s->body.stmts)
          if (auto* state = dyn_cast<ast::StateStmt>(st.get()))
            inner.push_back({{},
                             SymbolKind::State,
                             state->name.name,
                             "state" + t(state->init ? state->init->type : nullptr),
                             {},
                             state->init ? state->init->type : nullptr});
        if (s->item)
          inner.push_back({{}, SymbolKind::Item, s->item->name, "item" + t(s->itemType), {}, s->itemType});
        inner.push_back({{}, SymbolKind::Worker, "worker", "worker int", {}, nullptr});
      }
    }
  }
  for (const auto& t : module.tests) {
    if (!contains(t->range, at) || !t->pipeline) continue;
    pipeline = t->pipeline;
    for (const char* result : {"exit_code", "elapsed", "printed"})
      inner.push_back({{}, SymbolKind::Local, result, "test result", {}, nullptr});
  }
  if (pipeline) {
    for (const auto& p : pipeline->params)
      inner.push_back(
          {{}, SymbolKind::Param, p->name.name, "param" + t(p->type.resolved), {}, p->type.resolved});
    for (const auto& ch : pipeline->channels)
      inner.push_back(
          {{}, SymbolKind::Channel, ch->name.name, "channel" + t(ch->elementType.resolved), {}, nullptr});
    for (const auto& s : pipeline->stages)
      inner.push_back({{}, SymbolKind::Stage, s->name.name, "stage", {}, nullptr});
  }
  for (const auto& c : module.consts)
    inner.push_back({{},
                     SymbolKind::Const,
                     c->name.name,
                     "const" + t(c->value ? c->value->type : nullptr),
                     {},
                     c->value ? c->value->type : nullptr});
  for (const auto& fn : module.fns)
    inner.push_back({{}, SymbolKind::Function, fn->name.name, "fn", {}, nullptr});
  for (const auto& block : module.externs)
    for (const auto& fn : block->fns)
      inner.push_back({{}, SymbolKind::ExternFunction, fn.name.name, "extern fn", {}, nullptr});
  for (const auto& ty : module.types) inner.push_back({{}, SymbolKind::Type, ty->name, "type", {}, nullptr});
  for (std::string_view b : builtinFunctionNames())
    inner.push_back({{}, SymbolKind::Builtin, std::string(b), "built-in", {}, nullptr});
  // Innermost first: drop the names an inner declaration shadows.
  std::vector<Symbol> out;
  std::set<std::pair<bool, std::string>> seen;  // (is a type, name): a type and a value may share a name
  for (auto& s : inner) {
    if (s.name == ast::kErrorName) continue;
    if (seen.insert({s.kind == SymbolKind::Type, s.name}).second) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace flow::lsp
