// emit/emit_pipeline.cpp — the wiring of one pipeline: `const`s, the Params
// struct (one field per `param`, defaults from the .flow file), and
// build(pl, P), which evaluates the constant expressions over params
// (capacities, workers, timeout, retry, backoff, deadline, monitor) at run
// time and registers every channel and stage with the runtime; each stage
// body becomes a coroutine lambda, with `state` as a per-worker struct and
// `finally` as its closing lambda. Statement and expression lowering live in
// emit_stmt.cpp / emit_expr.cpp.
#include <llvm/Support/Casting.h>

#include "emit/emit_internal.h"

namespace flow::emit {

using llvm::cast;

namespace {

/// A constant expression of build(): params are `P.x`, there is no `ctx`.
std::string pipelineConst(const Emitter& em, const ast::Expr& e, const ast::Type* as) {
  Scope scope{em};
  return lowerAs(scope, e, as);
}

/// A constant int expression of build() (StageOptions fields are int64).
std::string intOption(const Emitter& em, const ast::Expr& e) { return pipelineConst(em, e, nullptr); }

const char* overflowName(ast::Overflow o) {
  switch (o) {
    case ast::Overflow::Block:
      return "flow::Overflow::Block";
    case ast::Overflow::DropNewest:
      return "flow::Overflow::DropNewest";
    case ast::Overflow::DropOldest:
      return "flow::Overflow::DropOldest";
  }
  return "flow::Overflow::Block";
}

std::string stageOptions(const Emitter& em, const ir::Stage& s) {
  std::vector<std::string> parts;
  if (s.workers) parts.push_back(".workers = " + intOption(em, *s.workers));
  if (s.timeout) parts.push_back(".timeout = " + pipelineConst(em, *s.timeout, nullptr));
  if (s.retries) parts.push_back(".retries = " + intOption(em, *s.retries));
  if (s.backoff) parts.push_back(".backoff = " + pipelineConst(em, *s.backoff, nullptr));
  // No `on_error` leaves the runtime's default, OnError::Unhandled: the
  // failures are dropped too, but the run ends with exit status 3.
  switch (s.onError) {
    case ast::OnError::Drop:
      if (s.onErrorDeclared) parts.push_back(".onError = flow::OnError::Drop");
      break;
    case ast::OnError::Stop:
      parts.push_back(".onError = flow::OnError::Stop");
      break;
    case ast::OnError::Route:
      parts.push_back(".onError = flow::OnError::Route");
      if (s.routeTo >= 0) parts.push_back(".routeTo = &" + channelVar(em.graph.channels()[s.routeTo].name));
      break;
  }
  if (s.ordered) parts.push_back(".ordered = true");
  if (s.batch) parts.push_back(".batch = " + intOption(em, *s.batch));
  if (s.batchWithin) parts.push_back(".batchWithin = " + pipelineConst(em, *s.batchWithin, nullptr));
  if (s.every) parts.push_back(".every = " + pipelineConst(em, *s.every->period, nullptr));
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + "}";
}

std::string channelList(const Emitter& em, const std::vector<int>& indices) {
  std::string out = "{";
  for (size_t i = 0; i < indices.size(); ++i)
    out += (i ? ", &" : "&") + channelVar(em.graph.channels()[indices[i]].name);
  return out + "}";
}

/// The parts of a body: leading `state`s, the statements, a trailing
/// `every`, a trailing `finally`.
struct BodyParts {
  std::vector<const ast::StateStmt*> states;
  size_t begin = 0, end = 0;  // the statements run per item
  const ast::EveryStmt* every = nullptr;
  const ast::FinallyStmt* finally = nullptr;
};

BodyParts splitBody(const ast::Block& body) {
  BodyParts parts;
  size_t i = 0;
  while (i < body.stmts.size() && llvm::isa<ast::StateStmt>(*body.stmts[i]))
    parts.states.push_back(cast<ast::StateStmt>(body.stmts[i++].get()));
  parts.begin = i;
  parts.end = body.stmts.size();
  if (parts.end > parts.begin && llvm::isa<ast::FinallyStmt>(*body.stmts[parts.end - 1]))
    parts.finally = cast<ast::FinallyStmt>(body.stmts[--parts.end].get());
  if (parts.end > parts.begin && llvm::isa<ast::EveryStmt>(*body.stmts[parts.end - 1]))
    parts.every = cast<ast::EveryStmt>(body.stmts[--parts.end].get());
  return parts;
}

/// A `state`'s type: as written, else its initializer's.
const ast::Type* stateValueType(const ast::StateStmt& st) {
  return st.declType && st.declType->resolved ? st.declType->resolved : st.init->type;
}

std::string ctxParam(const BodyFacts& f) {
  return f.usesCtx ? "flow::Context& ctx" : "[[maybe_unused]] flow::Context& ctx";
}

}  // namespace

void emitStage(const Emitter& em, CppWriter& w, const ir::Stage& s) {
  const ast::StageDecl& decl = *s.decl;
  BodyParts parts = splitBody(decl.body);
  BodyFacts facts;
  scanBlock(decl.body, facts);

  Scope scope{em};
  scope.hasCtx = true;
  scope.stage = &decl;
  scope.facts = &facts;
  std::string stateType = "State_" + decl.name.name;
  {
    std::vector<std::string> stateNames;
    for (const auto* st : parts.states) stateNames.push_back(st->name.name);
    std::vector<std::string> members = memberNames(stateNames);
    for (size_t i = 0; i < parts.states.size(); ++i) scope.state[parts.states[i]] = "st." + members[i];
  }
  // `key`, `batch` and `every` take the runtime's general form, which
  // always has a state (perhaps an empty struct).
  const bool general = s.key || s.batch || parts.every;
  bool hasState = !parts.states.empty() || parts.finally || general;

  std::string in = decl.itemType ? em.names.type(decl.itemType) : std::string();
  if (in.empty() && !s.inputs.empty()) in = em.names.type(em.graph.channels()[s.inputs[0]].elementType);
  // With `batch`, the body gets a list of items.
  const std::string bodyIn = s.batch ? "std::vector<" + in + ">" : in;
  std::string name = cppStringLiteral(decl.name.name);
  std::string opts = stageOptions(em, s);
  std::string call;
  std::string tmpl = hasState ? (in.empty() ? "<" + stateType + ">" : "<" + in + ", " + stateType + ">")
                              : (in.empty() ? "" : "<" + in + ">");
  switch (s.kind) {
    case ast::StageDecl::Kind::Source:
      call = "pl.source" + tmpl + "(" + name + ", " + opts + ", " + channelList(em, s.outputs) + ",";
      break;
    case ast::StageDecl::Kind::Stage:
      call = "pl.stage" + tmpl + "(" + name + ", " + opts + ", " + channelList(em, s.inputs) + ", " +
             channelList(em, s.outputs) + ",";
      break;
    case ast::StageDecl::Kind::Sink:
      call = "pl.sink" + tmpl + "(" + name + ", " + opts + ", " + channelList(em, s.inputs) + ",";
      break;
  }
  w.line(call);
  w.indent(2);

  std::string item = decl.item ? localName(decl.item->name) : std::string("v_item");
  std::string itemParam =
      in.empty() || s.kind == ast::StageDecl::Kind::Source
          ? ""
          : ", " + std::string(facts.usesItem ? "" : "[[maybe_unused]] ") + bodyIn + " " + item;
  if (hasState) {
    // Per-worker state: init(ctx) -> S runs once when a worker starts.
    BodyFacts initFacts;
    for (const auto* st : parts.states) scanExpr(*st->init, initFacts);
    w.line("[&](" + ctxParam(initFacts) + ") {");
    w.indent();
    w.line(stateType + " st;");
    for (const auto* st : parts.states) {
      em.mapTo(w, st->range);
      w.line(scope.state[st] + " = " + lowerAs(scope, *st->init, stateValueType(*st)) + ";");
    }
    w.line("return st;");
    w.dedent();
    w.line("},");
  }
  // Per-item bodies that never need to suspend are plain functions: the
  // runtime calls them without a coroutine frame per item.
  BodyFacts perItem;
  for (size_t i = parts.begin; i < parts.end; ++i) scanStmt(*decl.body.stmts[i], perItem);
  scope.plain = s.kind != ast::StageDecl::Kind::Source && canBePlain(perItem);
  // A coroutine "uses" every parameter (it copies them into its frame); a
  // plain function must say which ones it ignores.
  const BodyFacts& used = scope.plain ? perItem : facts;
  if (scope.plain && !perItem.usesItem && !itemParam.empty())
    itemParam = ", [[maybe_unused]] " + bodyIn + " " + item;
  std::string stParam =
      hasState ? ", " + std::string(used.usesState ? "" : "[[maybe_unused]] ") + stateType + "& st" : "";
  w.line("[&](" + ctxParam(used) + stParam + itemParam + ")" + (scope.plain ? " {" : " -> flow::Task {"));
  w.indent();
  lowerStmts(scope, w, decl.body, parts.begin, parts.end);
  if (!scope.plain) w.line("co_return;");
  scope.plain = false;
  w.dedent();
  if (!hasState) {
    w.line("});");
  } else {
    w.line("},");
    // The trailing callables: `finally`, then (general form) `every` and `key`.
    std::vector<std::string> tail;
    auto closure = [&](const ast::Block& block, BodyFacts& f) {
      w.line("[&](" + ctxParam(f) + ", " + (f.usesState ? "" : "[[maybe_unused]] ") + stateType +
             "& st) -> flow::Task {");
      w.indent();
      scope.facts = &f;
      lowerBlock(scope, w, block);
      w.line("co_return;");
      w.dedent();
    };
    BodyFacts finFacts, everyFacts;
    if (parts.finally) scanBlock(parts.finally->body, finFacts);
    if (parts.every) scanBlock(parts.every->body, everyFacts);
    bool last = !general;
    if (parts.finally) {
      closure(parts.finally->body, finFacts);
      w.line(last ? "});" : "},");
    } else {
      w.line(last ? "nullptr);" : "nullptr,");
    }
    if (general) {
      if (parts.every) {
        em.mapTo(w, parts.every->range);
        closure(parts.every->body, everyFacts);
        w.line("},");
      } else {
        w.line("nullptr,");
      }
      if (s.key) {
        // The key's hash picks the worker; the key sees the item alone.
        BodyFacts keyFacts;
        scanExpr(*s.key, keyFacts);
        Scope keyScope{em};
        keyScope.hasCtx = true;
        keyScope.stage = &decl;
        keyScope.facts = &keyFacts;
        w.line("[&](" + ctxParam(keyFacts) + ", " + (keyFacts.usesItem ? "" : "[[maybe_unused]] ") +
               "const " + in + "& " + item + ") -> std::uint64_t { return flow::keyHash(" +
               lowerExpr(keyScope, *s.key, true) + "); });");
      } else {
        w.line("nullptr);");
      }
    }
  }
  w.dedent(2);
  w.mapBack();
}

void emitStateStruct(const Emitter& em, CppWriter& w, const ast::StageDecl& decl) {
  BodyParts parts = splitBody(decl.body);
  if (parts.states.empty() && !parts.finally && !parts.every && decl.batchSize == nullptr &&
      decl.key == nullptr)
    return;
  std::vector<std::string> stateNames;
  for (const auto* st : parts.states) stateNames.push_back(st->name.name);
  std::vector<std::string> members = memberNames(stateNames);
  w.line("// Per-worker `state` of stage " + decl.name.name + ".");
  w.line("struct State_" + decl.name.name + " {");
  w.indent();
  for (size_t i = 0; i < parts.states.size(); ++i)
    w.line(em.names.type(stateValueType(*parts.states[i])) + " " + members[i] + "{};");
  w.dedent();
  w.line("};");
}

namespace {

bool usesParams(const Emitter& em) {
  BodyFacts f;
  const ast::PipelineDecl& p = em.graph.pipeline();
  if (p.deadline) scanExpr(*p.deadline, f);
  if (p.monitor) scanExpr(*p.monitor, f);
  for (const auto& ch : p.channels)
    if (ch->capacity) scanExpr(*ch->capacity, f);
  for (const auto& st : p.stages) {
    for (const auto& a : st->attrs) {
      if (a.value) scanExpr(*a.value, f);
      if (a.backoff) scanExpr(*a.backoff, f);
    }
    scanBlock(st->body, f);
  }
  return f.usesParams;
}

}  // namespace

void emitChannelDecl(const Emitter& em, CppWriter& w, const ir::Channel& ch, bool hostPorts) {
  std::string type = em.names.type(ch.elementType);
  std::string cap = pipelineConst(em, *ch.capacity, nullptr);
  std::string name = cppStringLiteral(ch.name);
  std::string var = channelVar(ch.name);
  bool used = !ch.writers.empty() || !ch.readers.empty() || ch.role != ast::ChannelRole::Internal;
  std::string decl = std::string(used ? "" : "[[maybe_unused]] ") + "auto& " + var + " = ";
  const ast::ChannelRole role = hostPorts ? ch.role : ast::ChannelRole::Internal;
  switch (role) {
    case ast::ChannelRole::Input:
      w.line(decl + "pl.input<" + type + ">(" + name + ", " + cap + ");");
      break;
    case ast::ChannelRole::Output:
      w.line(decl + "pl.output<" + type + ">(" + name + ", " + cap + ");");
      break;
    case ast::ChannelRole::Internal:
      if (ch.overflow == ast::Overflow::Block) {
        w.line(decl + "pl.channel<" + type + ">(" + name + ", " + cap + ");");
      } else {
        w.line(decl + "pl.channel<" + type + ">(" + name + ", " + cap + ", " + overflowName(ch.overflow) +
               ");");
      }
      break;
  }
}

void emitConsts(const Emitter& em, CppWriter& w) {
  for (const auto& c : em.module.consts) {
    Scope scope{em};
    const ast::Type* t = c->value->type;
    w.line("inline const " + em.names.type(t) + " " + constName(c->name.name) + " = " +
           lowerAs(scope, *c->value, t) + ";");
  }
  if (!em.module.consts.empty()) w.line("");
}

void emitBuild(const Emitter& em, CppWriter& w, const std::vector<std::string>* ports) {
  const ast::PipelineDecl& p = em.graph.pipeline();
  for (const auto& st : p.stages) emitStateStruct(em, w, *st);
  w.line("// Wires the graph. Called once per run after the command line is parsed, so");
  w.line("// constant expressions over params are evaluated here.");
  w.line(std::string("inline void build(flow::Pipeline& pl, ") + (usesParams(em) ? "" : "[[maybe_unused]] ") +
         "const Params& P" + (ports ? ", Ports& ports" : "") + ") {");
  w.indent();
  if (p.deadline) w.line("pl.setDeadline(" + pipelineConst(em, *p.deadline, nullptr) + ");");
  if (p.monitor) w.line("pl.setMonitor(" + pipelineConst(em, *p.monitor, nullptr) + ");");
  for (const ir::Channel& ch : em.graph.channels()) emitChannelDecl(em, w, ch, /*hostPorts=*/true);
  if (ports) {
    size_t i = 0;
    for (const ir::Channel& ch : em.graph.channels())
      if (ch.role != ast::ChannelRole::Internal)
        w.line("ports." + (*ports)[i++] + " = &" + channelVar(ch.name) + ";");
  }
  for (const ir::Stage& s : em.graph.stages()) {
    w.line("");
    emitStage(em, w, s);
  }
  w.dedent();
  w.line("}");
}

}  // namespace flow::emit
