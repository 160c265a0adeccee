// sema/scope.cpp — the driver of semantic analysis and its name tables:
// declaring the module-level names (types, consts, extern functions, Flow
// functions (check_fn.cpp), pipelines), the scopes of a body (locals, loop variables, state, the item,
// `worker`), duplicate reports and "did you mean" suggestions. It does not
// type-check anything itself; it calls the other files of sema/ in order.
//
// Namespaces: types, consts and functions (extern and Flow, one namespace
// with the built-ins) are module-level and each its own table (a type and a const may share a name: one is
// only written in type positions, the other only in expressions). Inside a pipeline, params, channels and
// stages share one table (scope.cpp's MemberInfo). Inside a body, locals shadow params and consts; one block
// may not declare a name twice, but an inner block may shadow an outer one (as in Go).
#include <algorithm>

#include "sema/sema.h"
#include "sema/sema_impl.h"

namespace flow {

bool checkModule(ast::Module& module, DiagnosticEngine& diags) {
  sema::Sema sema(module, diags);
  return sema.run();
}

}  // namespace flow

namespace flow::sema {

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += "`" + names[i] + "`";
  }
  return out;
}

Sema::Sema(ast::Module& module, DiagnosticEngine& diags)
    : module_(module), diags_(diags), types_(module.typeContext) {}

bool Sema::run() {
  // A tree with syntax errors may be missing stages or channels: the
  // whole-graph checks would only report the parser's mistake again.
  hadParseErrors_ = diags_.hasErrors();
  declareModule();
  checkTypeDecls();
  checkRecursiveRecords();
  checkConsts();
  checkFns();
  std::unordered_map<std::string_view, const ast::PipelineDecl*> pipelines;
  for (auto& p : module_.pipelines) {
    if (!p) continue;
    auto [it, fresh] = pipelines.emplace(p->name.name, p.get());
    if (!fresh) reportDuplicate("pipeline", p->name.name, p->name.range, it->second->name.range);
    checkPipeline(*p);
  }
  checkTests();
  return !diags_.hasErrors();
}

void Sema::reportDuplicate(std::string_view what, std::string_view name, SourceRange here,
                           SourceRange first) {
  diags_
      .report(DiagKind::DuplicateName, here,
              std::string(what) + " `" + std::string(name) + "` is declared twice")
      .note(first, "`" + std::string(name) + "` first declared here");
}

std::string Sema::didYouMean(std::string_view name, const std::vector<std::string>& candidates) const {
  std::string best = closestName(name, candidates);
  if (best.empty()) return "";
  return "; did you mean `" + best + "`?";
}

namespace {

bool isBuiltinTypeName(std::string_view n) {
  return n == "int" || n == "float" || n == "bool" || n == "string" || n == "duration";
}

}  // namespace

void Sema::declareModule() {
  for (auto& t : module_.types) {
    if (!t) continue;
    if (isBuiltinTypeName(t->name)) {
      diags_.report(DiagKind::DuplicateName, t->nameRange, "type `" + t->name + "` is a built-in type");
      continue;
    }
    auto [it, fresh] = typeDecls_.emplace(t->name, t.get());
    if (!fresh) reportDuplicate("type", t->name, t->nameRange, it->second->nameRange);
  }
  for (auto& c : module_.consts) {
    if (!c) continue;
    auto [it, fresh] = consts_.emplace(c->name.name, ConstInfo{c.get(), ConstInfo::State::Unchecked, {}});
    if (!fresh) reportDuplicate("const", c->name.name, c->name.range, it->second.decl->name.range);
  }
  for (auto& block : module_.externs) {
    if (!block) continue;
    for (auto& fn : block->fns) {
      if (builtinByName(fn.name.name) != ast::Builtin::None) {
        diags_.report(DiagKind::DuplicateName, fn.name.range,
                      "extern function `" + fn.name.name + "` has the name of a built-in function");
      } else {
        auto [it, fresh] = externs_.emplace(fn.name.name, &fn);
        if (!fresh) reportDuplicate("extern function", fn.name.name, fn.name.range, it->second->name.range);
      }
      std::unordered_map<std::string_view, SourceRange> params;
      for (auto& p : fn.params) {
        auto [pit, pfresh] = params.emplace(p.name.name, p.name.range);
        if (!pfresh) reportDuplicate("parameter", p.name.name, p.name.range, pit->second);
        resolveType(p.type);
      }
      if (fn.result) resolveType(*fn.result);
    }
  }
  declareFns();
}

// ---------------------------------------------------------------- body scopes

void Sema::pushScope() { scopeStarts_.push_back(locals_.size()); }

void Sema::popScope() {
  std::size_t start = scopeStarts_.back();
  scopeStarts_.pop_back();
  for (std::size_t i = start; i < locals_.size(); ++i) {
    const LocalInfo& l = locals_[i];
    // `_`-prefixed names say "unused on purpose", as in Go and Rust.
    // A local whose initializer was wrong already has an error.
    if (!l.warnUnused || l.used || l.name.empty() || l.name.front() == '_' || isErrorish(l.type)) continue;
    const char* what = l.kind == ast::NameRef::Kind::State ? "state" : l.isMutable ? "variable" : "local";
    diags_.report(DiagKind::UnusedLocal, l.range,
                  std::string(what) + " `" + std::string(l.name) +
                      "` is never read; prefix it with `_` if that is intended");
  }
  locals_.resize(start);
}

LocalInfo* Sema::declareLocal(std::string_view name, SourceRange range, ast::NameRef::Kind kind,
                              const void* decl, const Type* type, bool isMutable, bool warnUnused) {
  if (isErrorName(name)) return nullptr;
  std::size_t start = scopeStarts_.empty() ? 0 : scopeStarts_.back();
  // The top level of a body and its `worker`/`state` scope are one block
  // for duplicates: `state n` and `let n` side by side would be a trap.
  if (scopeStarts_.size() == 2) start = scopeStarts_.front();
  for (std::size_t i = start; i < locals_.size(); ++i) {
    if (locals_[i].name != name) continue;
    if (locals_[i].kind == ast::NameRef::Kind::Worker)
      diags_.report(DiagKind::DuplicateName, range,
                    "`worker` is built in (the index of the running worker); choose another name");
    else
      reportDuplicate("name", name, range, locals_[i].range);
    return nullptr;
  }
  locals_.push_back(LocalInfo{name, kind, decl, type, range, isMutable, false, warnUnused});
  return &locals_.back();
}

LocalInfo* Sema::lookupLocal(std::string_view name) {
  for (std::size_t i = locals_.size(); i-- > 0;)
    if (locals_[i].name == name && !locals_[i].hidden) return &locals_[i];
  return nullptr;
}

std::vector<std::string> Sema::visibleValueNames() const {
  std::vector<std::string> names;
  if (context_ == ExprContext::Body)
    for (const auto& l : locals_)
      if (!l.hidden) names.emplace_back(l.name);
  if (context_ == ExprContext::Pipeline || context_ == ExprContext::Body)
    for (const auto& [name, m] : members_)
      if (m.kind == MemberInfo::Kind::Param) names.emplace_back(name);
  if (context_ == ExprContext::Test && testPipeline_) {
    for (const auto& ch : testPipeline_->channels)
      if (ch) names.emplace_back(ch->name.name);
    for (const auto& p : testPipeline_->params)
      if (p) names.emplace_back(p->name.name);
    for (const char* result : {"exit_code", "elapsed", "printed"}) names.emplace_back(result);
  }
  for (const auto& [name, c] : consts_) names.emplace_back(name);
  // Hash order must not leak into messages: closestName keeps the first of
  // equally close candidates.
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace flow::sema
