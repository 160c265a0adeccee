// ir/graph.cpp — buildGraph(): collects channels and stages of one pipeline
// into index-linked nodes and edges, and the label text helpers of `flowc
// graph`. Does not evaluate or check anything.
#include "ir/graph.h"

#include <llvm/Support/Casting.h>

namespace flow::ir {
namespace {

int findChannel(const std::vector<Channel>& channels, const ast::ChannelDecl* decl, const std::string& name) {
  for (size_t i = 0; i < channels.size(); ++i)
    if ((decl && channels[i].decl == decl) || (!decl && channels[i].name == name)) return static_cast<int>(i);
  return -1;
}

/// Channel indices of a stage's inputs or outputs: sema's resolution when
/// present, otherwise the names as written.
std::vector<int> resolveAll(const std::vector<Channel>& channels,
                            const std::vector<const ast::ChannelDecl*>& resolved,
                            const std::vector<ast::Ident>& written) {
  std::vector<int> out;
  for (size_t i = 0; i < written.size(); ++i) {
    const ast::ChannelDecl* decl = i < resolved.size() ? resolved[i] : nullptr;
    int index = findChannel(channels, decl, written[i].name);
    if (index >= 0) out.push_back(index);
  }
  return out;
}

void addUnique(std::vector<int>& v, int x) {
  for (int y : v)
    if (y == x) return;
  v.push_back(x);
}

}  // namespace

int Graph::channelIndex(const ast::ChannelDecl* decl) const { return findChannel(channels_, decl, ""); }

Graph buildGraph(const ast::PipelineDecl& pipeline) {
  Graph g;
  g.name_ = pipeline.name.name;
  g.pipeline_ = &pipeline;
  for (const auto& ch : pipeline.channels) {
    g.channels_.push_back(Channel{ch->name.name,
                                  ch.get(),
                                  ch->elementType.resolved,
                                  ch->role,
                                  ch->overflow,
                                  ch->capacity.get(),
                                  {},
                                  {}});
  }
  for (const auto& decl : pipeline.stages) {
    Stage s;
    s.name = decl->name.name;
    s.decl = decl.get();
    s.kind = decl->kind;
    s.batch = decl->batchSize.get();
    s.batchWithin = decl->batchWithin.get();
    for (const auto& st : decl->body.stmts)
      if (auto* every = llvm::dyn_cast_or_null<ast::EveryStmt>(st.get())) s.every = every;
    for (const auto& attr : decl->attrs) {
      switch (attr.kind) {
        case ast::StageAttr::Kind::Workers:
          s.workers = attr.value.get();
          break;
        case ast::StageAttr::Kind::Timeout:
          s.timeout = attr.value.get();
          break;
        case ast::StageAttr::Kind::Retry:
          s.retries = attr.value.get();
          s.backoff = attr.backoff.get();
          break;
        case ast::StageAttr::Kind::OnError:
          s.onError = attr.onError;
          s.onErrorDeclared = true;
          if (attr.onError == ast::OnError::Route)
            s.routeTo = findChannel(g.channels_, decl->routeChannel,
                                    attr.routeChannel ? attr.routeChannel->name : std::string());
          break;
        case ast::StageAttr::Kind::Ordered:
          s.ordered = true;
          break;
        case ast::StageAttr::Kind::Key:
          s.key = attr.value.get();
          break;
      }
    }
    s.inputs = resolveAll(g.channels_, decl->inputChannels, decl->inputs);
    s.outputs = resolveAll(g.channels_, decl->outputChannels, decl->outputs);
    g.stages_.push_back(std::move(s));
  }
  for (size_t i = 0; i < g.stages_.size(); ++i) {
    const Stage& s = g.stages_[i];
    int self = static_cast<int>(i);
    for (int c : s.inputs) addUnique(g.channels_[c].readers, self);
    for (int c : s.outputs) addUnique(g.channels_[c].writers, self);
    if (s.routeTo >= 0) addUnique(g.channels_[s.routeTo].writers, self);
  }
  return g;
}

std::string durationText(std::int64_t ns) {
  struct Unit {
    std::int64_t size;
    const char* suffix;
  };
  static constexpr Unit units[] = {{3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
                                   {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
  if (ns == 0) return "0s";
  for (const Unit& u : units)
    if (ns % u.size == 0) return std::to_string(ns / u.size) + u.suffix;
  return std::to_string(ns) + "ns";
}

std::string flowText(const ast::Expr& expr) {
  using llvm::dyn_cast;
  if (auto* e = dyn_cast<ast::IntLit>(&expr)) return std::to_string(e->value);
  if (auto* e = dyn_cast<ast::FloatLit>(&expr)) return e->spelling;
  if (auto* e = dyn_cast<ast::BoolLit>(&expr)) return e->value ? "true" : "false";
  if (auto* e = dyn_cast<ast::DurationLit>(&expr)) return durationText(e->nanoseconds);
  if (auto* e = dyn_cast<ast::NameExpr>(&expr)) return e->name;
  if (auto* e = dyn_cast<ast::StringLit>(&expr)) return "\"" + e->plainText() + "\"";
  if (auto* e = dyn_cast<ast::UnaryExpr>(&expr))
    return std::string(ast::spelling(e->op)) + flowText(*e->operand);
  if (auto* e = dyn_cast<ast::BinaryExpr>(&expr))
    return flowText(*e->lhs) + " " + ast::spelling(e->op) + " " + flowText(*e->rhs);
  if (auto* e = dyn_cast<ast::CallExpr>(&expr)) {
    std::string out = e->callee.name + "(";
    for (size_t i = 0; i < e->args.size(); ++i) out += (i ? ", " : "") + flowText(*e->args[i]);
    return out + ")";
  }
  if (auto* e = dyn_cast<ast::FieldExpr>(&expr)) return flowText(*e->base) + "." + e->field.name;
  return "…";
}

}  // namespace flow::ir
