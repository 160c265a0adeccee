// sema/check_pipeline.cpp — one pipeline's members (docs/language.md, "Pipeline
// members"): the shared namespace of params, channels and stages; param types
// and defaults; channel element types and capacities; `deadline` and `monitor`;
// each stage's shape (a source has no inputs, a sink no outputs), its wiring
// (StageDecl::inputChannels / outputChannels / itemType / routeChannel) and its
// attributes. Then the bodies (check_stmt.cpp), the whole graph
// (check_graph.cpp) and the warnings (warnings.cpp). Does not look inside
// bodies itself.
#include <unordered_map>

#include "sema/sema_impl.h"

namespace flow::sema {

using ast::Type;
using K = Type::Kind;

namespace {

const char* attrName(ast::StageAttr::Kind k) {
  switch (k) {
    case ast::StageAttr::Kind::Workers:
      return "workers";
    case ast::StageAttr::Kind::Timeout:
      return "timeout";
    case ast::StageAttr::Kind::Retry:
      return "retry";
    case ast::StageAttr::Kind::OnError:
      return "on_error";
    case ast::StageAttr::Kind::Ordered:
      return "ordered";
    case ast::StageAttr::Kind::Key:
      return "key";
  }
  return "?";
}

}  // namespace

void Sema::checkPipeline(ast::PipelineDecl& p) {
  pipeline_ = &p;
  members_.clear();
  context_ = ExprContext::Pipeline;
  declarePipelineMembers(p);
  // A member with a syntax error is declared (above) and otherwise left
  // alone: the parser has reported its mistake, and what it built is a guess.
  for (auto& param : p.params)
    if (param && param->hasSyntaxError)
      param->type.resolved = types_.errorType();
    else if (param)
      checkParam(*param);
  for (auto& ch : p.channels)
    if (ch && ch->hasSyntaxError)
      ch->elementType.resolved = types_.errorType();
    else if (ch)
      checkChannel(*ch);
  if (p.deadline) {
    ConstResult r =
        checkConstExpr(p.deadline.get(), types_.durationType(), ExprContext::Pipeline, "`deadline`");
    requirePositiveDuration(r, p.deadline.get(), "`deadline`");
  }
  if (p.monitor) {
    ConstResult r =
        checkConstExpr(p.monitor.get(), types_.durationType(), ExprContext::Pipeline, "`monitor`");
    requirePositiveDuration(r, p.monitor.get(), "`monitor`");
  }
  // Wiring first, for every stage: a body may only be checked once its
  // outputs are known.
  for (auto& s : p.stages) {
    if (!s) continue;
    if (s->hasSyntaxError) {
      s->itemType = types_.errorType();
      continue;
    }
    checkStageShape(*s);
    resolveStageChannels(*s);
    checkStageAttrs(*s);
  }
  for (auto& s : p.stages) {
    if (!s || s->hasSyntaxError) continue;
    checkBody(*s);
    for (const auto& a : s->attrs)
      if (a.kind == ast::StageAttr::Kind::Timeout) warnUselessTimeout(*s, a);
    warnPartialStatePrinted(*s);
  }
  if (!hadParseErrors_) checkGraph(p);
  // Sizing advice on a program with errors would only be noise.
  if (!diags_.hasErrors()) warnOversizedChannels(p);
  // A param read only by a member the parser could not read is not unused.
  if (!p.hasSyntaxError) warnUnusedParams(p);
  pipeline_ = nullptr;
  members_.clear();
  context_ = ExprContext::Module;
}

void Sema::declarePipelineMembers(ast::PipelineDecl& p) {
  auto declare = [&](std::string_view name, MemberInfo info) {
    if (isErrorName(name)) return;  // a name the parser could not read
    auto [it, fresh] = members_.emplace(name, info);
    if (!fresh) reportDuplicate("name", name, info.range, it->second.range);
  };
  SourceRange firstDeadline, firstMonitor;
  // Source order, so the "first declared" note points at the earlier one.
  for (const auto& m : p.members) {
    switch (m.kind) {
      case ast::PipelineMember::Kind::Param:
        if (m.param)
          declare(m.param->name.name,
                  {MemberInfo::Kind::Param, m.param, nullptr, nullptr, m.param->name.range});
        break;
      case ast::PipelineMember::Kind::Channel:
        if (m.channel)
          declare(m.channel->name.name,
                  {MemberInfo::Kind::Channel, nullptr, m.channel, nullptr, m.channel->name.range});
        break;
      case ast::PipelineMember::Kind::Stage:
        if (m.stage)
          declare(m.stage->name.name,
                  {MemberInfo::Kind::Stage, nullptr, nullptr, m.stage, m.stage->name.range});
        break;
      case ast::PipelineMember::Kind::Deadline:
      case ast::PipelineMember::Kind::Monitor: {
        bool isDeadline = m.kind == ast::PipelineMember::Kind::Deadline;
        SourceRange& first = isDeadline ? firstDeadline : firstMonitor;
        const char* word = isDeadline ? "deadline" : "monitor";
        if (!first.isValid()) {
          first = m.range;
          break;
        }
        diags_
            .report(DiagKind::DuplicateAttribute, m.range,
                    std::string("`") + word + "` is given twice in pipeline `" + p.name.name + "`")
            .note(first, "first given here");
        // The parser keeps one expression; check the other for its own mistakes.
        if (m.expr && m.expr != p.deadline.get() && m.expr != p.monitor.get())
          checkConstExpr(m.expr, types_.durationType(), ExprContext::Pipeline, std::string("`") + word + "`");
        break;
      }
    }
  }
  if (!p.members.empty()) return;
  // A tree built without `members` (e.g. by a unit test): fall back to the lists.
  for (auto& param : p.params)
    if (param)
      declare(param->name.name, {MemberInfo::Kind::Param, param.get(), nullptr, nullptr, param->name.range});
  for (auto& ch : p.channels)
    if (ch) declare(ch->name.name, {MemberInfo::Kind::Channel, nullptr, ch.get(), nullptr, ch->name.range});
  for (auto& s : p.stages)
    if (s) declare(s->name.name, {MemberInfo::Kind::Stage, nullptr, nullptr, s.get(), s->name.range});
}

void Sema::checkParam(ast::ParamDecl& param) {
  const Type* t = resolveType(param.type);
  bool primitive =
      t->is(K::Int) || t->is(K::Float) || t->is(K::Bool) || t->is(K::String) || t->is(K::Duration);
  if (!t->isError() && !primitive) {
    diags_.report(
        DiagKind::BadParamType, param.type.range,
        "param `" + param.name.name + "` has type `" + t->str() +
            "`; a param is set on the command line, so it must be an int, float, bool, string or duration");
    t = types_.errorType();
  }
  if (param.defaultValue)
    checkConstExpr(param.defaultValue.get(), t, ExprContext::Module,
                   "the default of param `" + param.name.name + "`");
}

void Sema::checkChannel(ast::ChannelDecl& ch) {
  resolveType(ch.elementType);
  if (!ch.capacity) return;
  ConstResult r = checkConstExpr(ch.capacity.get(), types_.intType(), ExprContext::Pipeline,
                                 "the capacity of `" + ch.name.name + "`");
  if (r.isKnown() && r.value.i < 0)
    diags_.report(DiagKind::NegativeCapacity, ch.capacity->range,
                  "the capacity of `" + ch.name.name + "` is " + std::to_string(r.value.i) +
                      "; it must be 0 (unbuffered) or more");
}

void Sema::checkBatch(ast::StageDecl& stage) {
  if (!stage.batchSize) return;
  ConstResult n =
      checkConstExpr(stage.batchSize.get(), types_.intType(), ExprContext::Pipeline, "the size of `batch`");
  if (n.isKnown() && n.value.i < 1)
    diags_.report(DiagKind::BatchNotPositive, stage.batchSize->range,
                  "`batch` size is " + std::to_string(n.value.i) + "; a batch holds at least 1 item");
  if (!stage.batchWithin) return;
  ConstResult d =
      checkConstExpr(stage.batchWithin.get(), types_.durationType(), ExprContext::Pipeline, "`within`");
  requirePositiveDuration(d, stage.batchWithin.get(), "`within`");
}

const ast::ChannelDecl* Sema::lookupChannel(const ast::Ident& id, std::string_view role) {
  auto it = members_.find(id.name);
  if (it != members_.end() && it->second.kind == MemberInfo::Kind::Channel) return it->second.channel;
  if (isErrorName(id.name)) return nullptr;
  if (it == members_.end() && pipeline_ && pipeline_->lostMember) return nullptr;  // maybe a lost member
  if (it != members_.end()) {
    const char* what = it->second.kind == MemberInfo::Kind::Param ? "param" : "stage";
    diags_
        .report(DiagKind::UnknownChannel, id.range,
                "`" + id.name + "` is a " + what + ", not a channel (" + std::string(role) + ")")
        .note(it->second.range, "`" + id.name + "` declared here");
    return nullptr;
  }
  std::vector<std::string> names;
  for (const auto& [n, m] : members_)
    if (m.kind == MemberInfo::Kind::Channel) names.emplace_back(n);
  std::sort(names.begin(), names.end());
  std::string hint = didYouMean(id.name, names);
  if (hint.empty()) {
    diags_.report(DiagKind::UnknownChannel, id.range, "unknown channel `" + id.name + "`");
    return nullptr;
  }
  // The suggestion is one of `names`, so it is a declared channel.
  std::string best = hint.substr(hint.find('`') + 1);
  best.resize(best.find('`'));
  auto b = diags_.report(DiagKind::UnknownChannel, id.range, "unknown channel `" + id.name + "`" + hint);
  if (auto sug = members_.find(best); sug != members_.end())
    b.note(sug->second.range, "`" + best + "` declared here");
  return nullptr;
}

void Sema::checkStageShape(ast::StageDecl& stage) {
  const std::string& n = stage.name.name;
  switch (stage.kind) {
    case ast::StageDecl::Kind::Source:
      if (!stage.inputs.empty())
        diags_.report(
            DiagKind::InvalidStageShape, stage.inputs.front().range,
            "source `" + n + "` cannot have inputs; a stage that reads channels is a `stage` or a `sink`");
      if (stage.outputs.empty())
        diags_.report(DiagKind::InvalidStageShape, stage.name.range,
                      "source `" + n + "` has no outputs; write them after `->`");
      return;
    case ast::StageDecl::Kind::Stage:
      if (stage.inputs.empty())
        diags_.report(DiagKind::InvalidStageShape, stage.name.range,
                      "stage `" + n + "` has no inputs; a stage that only produces is a `source`");
      if (stage.outputs.empty())
        diags_.report(DiagKind::InvalidStageShape, stage.name.range,
                      "stage `" + n + "` has no outputs; a stage that only consumes is a `sink`");
      return;
    case ast::StageDecl::Kind::Sink:
      if (!stage.outputs.empty())
        diags_.report(DiagKind::InvalidStageShape, stage.outputs.front().range,
                      "sink `" + n + "` cannot have outputs; a stage that writes channels is a `stage`");
      if (stage.inputs.empty())
        diags_.report(DiagKind::InvalidStageShape, stage.name.range, "sink `" + n + "` has no inputs");
      return;
  }
}

void Sema::resolveStageChannels(ast::StageDecl& stage) {
  const std::string& n = stage.name.name;
  auto resolveList = [&](std::vector<ast::Ident>& ids, std::vector<const ast::ChannelDecl*>& out,
                         bool isInput) {
    out.clear();
    std::unordered_map<std::string_view, SourceRange> seen;
    for (const auto& id : ids) {
      const ast::ChannelDecl* ch = lookupChannel(id, isInput ? "an input" : "an output");
      out.push_back(ch);
      auto [it, fresh] = seen.emplace(id.name, id.range);
      if (!fresh) {
        diags_
            .report(DiagKind::DuplicateName, id.range,
                    "`" + id.name + "` is listed twice in the " + (isInput ? "inputs" : "outputs") + " of `" +
                        n + "`")
            .note(it->second, "first listed here");
        continue;
      }
      if (!ch) continue;
      if (isInput && ch->role == ast::ChannelRole::Output)
        diags_
            .report(DiagKind::HostChannelMisuse, id.range,
                    "`" + id.name + "` is an `output` channel; only the host program reads it")
            .note(ch->name.range, "`" + id.name + "` declared here");
      if (!isInput && ch->role == ast::ChannelRole::Input)
        diags_
            .report(DiagKind::HostChannelMisuse, id.range,
                    "`" + id.name + "` is an `input` channel; only the host program writes it")
            .note(ch->name.range, "`" + id.name + "` declared here");
    }
  };
  resolveList(stage.inputs, stage.inputChannels, true);
  resolveList(stage.outputs, stage.outputChannels, false);
  if (stage.kind == ast::StageDecl::Kind::Source) return;

  // The item's type: every input must carry the same one.
  const Type* item = nullptr;
  const ast::Ident* itemFrom = nullptr;
  bool unknown = stage.inputs.empty();
  for (std::size_t i = 0; i < stage.inputChannels.size(); ++i) {
    const ast::ChannelDecl* ch = stage.inputChannels[i];
    const Type* t = ch ? ch->elementType.resolved : nullptr;
    if (!t || t->isError()) {
      unknown = true;
      continue;
    }
    if (!item) {
      item = t;
      itemFrom = &stage.inputs[i];
      continue;
    }
    if (t == item) continue;
    diags_
        .report(DiagKind::MixedInputTypes, stage.inputs[i].range,
                "the inputs of `" + n + "` carry different types: `" + itemFrom->name + "` carries `" +
                    item->str() + "`, `" + stage.inputs[i].name + "` carries `" + t->str() + "`")
        .note(ch->name.range, "`" + ch->name.name + "` declared here");
    unknown = true;
  }
  stage.itemType = (unknown || !item) ? types_.errorType() : item;
}

void Sema::checkStageAttrs(ast::StageDecl& stage) {
  const std::string& n = stage.name.name;
  std::unordered_map<int, SourceRange> seen;
  std::optional<ConstResult> workers;
  const ast::StageAttr* ordered = nullptr;
  const ast::StageAttr* key = nullptr;
  for (auto& a : stage.attrs) {
    const char* word = attrName(a.kind);
    auto [it, fresh] = seen.emplace(static_cast<int>(a.kind), a.range);
    if (!fresh) {
      diags_
          .report(DiagKind::DuplicateAttribute, a.range,
                  std::string("`") + word + "` is given twice for `" + n + "`")
          .note(it->second, "first given here");
      continue;
    }
    switch (a.kind) {
      case ast::StageAttr::Kind::Workers: {
        ConstResult r = checkConstExpr(a.value.get(), types_.intType(), ExprContext::Pipeline, "`workers`");
        if (r.isKnown() && r.value.i < 1)
          diags_.report(DiagKind::WorkersNotPositive, a.value->range,
                        "`" + n + "` has " + std::to_string(r.value.i) + " workers; it needs at least 1");
        workers = r;
        break;
      }
      case ast::StageAttr::Kind::Timeout: {
        ConstResult r =
            checkConstExpr(a.value.get(), types_.durationType(), ExprContext::Pipeline, "`timeout`");
        requirePositiveDuration(r, a.value.get(), "`timeout`");
        break;
      }
      case ast::StageAttr::Kind::Retry: {
        ConstResult r =
            checkConstExpr(a.value.get(), types_.intType(), ExprContext::Pipeline, "the count of `retry`");
        if (r.isKnown() && r.value.i < 0)
          diags_.report(DiagKind::NegativeRetry, a.value->range,
                        "`retry` count is " + std::to_string(r.value.i) + "; it must be 0 or more");
        if (a.backoff) {
          ConstResult b =
              checkConstExpr(a.backoff.get(), types_.durationType(), ExprContext::Pipeline, "`backoff`");
          requirePositiveDuration(b, a.backoff.get(), "`backoff`");
        }
        break;
      }
      case ast::StageAttr::Kind::OnError: {
        if (a.onError != ast::OnError::Route || !a.routeChannel) break;
        bool isSource = stage.kind == ast::StageDecl::Kind::Source;
        if (isSource)
          diags_.report(DiagKind::RouteWithoutInput, a.range,
                        "`on_error route` on source `" + n +
                            "`, which has no input item to route; use `on_error drop` or `stop`");
        // Resolved even on a source, so the graph checks see the channel written.
        const ast::ChannelDecl* ch = lookupChannel(*a.routeChannel, "the route of `on_error`");
        stage.routeChannel = ch;
        if (!ch || isSource) break;
        if (ch->role == ast::ChannelRole::Input) {
          diags_
              .report(DiagKind::HostChannelMisuse, a.routeChannel->range,
                      "`" + ch->name.name + "` is an `input` channel; only the host program writes it")
              .note(ch->name.range, "`" + ch->name.name + "` declared here");
          break;
        }
        const Type* want = stage.itemType;
        const Type* got = ch->elementType.resolved;
        if (!want || !got || isErrorish(want) || isErrorish(got) || want == got) break;
        if (got == types_.failedOf(want)) break;  // a dead letter with its reason
        diags_
            .report(DiagKind::RouteTypeMismatch, a.routeChannel->range,
                    "`on_error route` sends the failed input item (a `" + want->str() + "`, or a `Failed<" +
                        want->str() + ">` with the reason) to `" + ch->name.name + "`, which carries `" +
                        got->str() + "`")
            .note(ch->name.range, "`" + ch->name.name + "` declared here");
        break;
      }
      case ast::StageAttr::Kind::Ordered:
        ordered = &a;
        break;
      case ast::StageAttr::Kind::Key:
        key = &a;  // checked with the body, over the item (check_stmt.cpp)
        break;
    }
  }
  checkBatch(stage);
  if (!ordered) return;
  if (key || stage.batchSize) {
    auto b =
        diags_.report(DiagKind::OrderedConflict, ordered->range,
                      std::string("`ordered` cannot be combined with `") + (key ? "key" : "batch") + "`: " +
                          (key ? "a keyed stage keeps the input order of each key's items, not across keys"
                               : "a batch stage's lists go out as they fill, not in input order"));
    b.note(key ? key->range : stage.batchRange, std::string("`") + (key ? "key" : "batch") + "` given here");
    return;
  }
  if (stage.kind == ast::StageDecl::Kind::Sink) {
    diags_.report(DiagKind::UselessOrdered, ordered->range,
                  "`ordered` has no effect on sink `" + n + "`: it has no outputs");
    return;
  }
  bool single = !workers || (workers->isKnown() && workers->value.i == 1);
  if (single)
    diags_.report(DiagKind::UselessOrdered, ordered->range,
                  "`ordered` has no effect on `" + n + "`: it runs a single worker");
}

}  // namespace flow::sema
