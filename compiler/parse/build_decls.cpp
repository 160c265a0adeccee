// parse/build_decls.cpp — the AST builder for the module and its top-level
// declarations, `fn` functions included, and pipeline members
// (docs/language.md, "Top-level declarations" and "Pipeline members"). The
// grammar is deliberately loose where a precise message helps more than
// "unexpected token": the words after `on_error` and `overflow`, one
// `deadline`/`monitor` per pipeline (the AST has one slot for each) are
// checked here as SyntaxErrors. Which stage kinds take inputs/outputs, name
// resolution and "at most once" for stage attributes are sema's.
#include <string>

#include "parse/parse_internal.h"

namespace flow::parse {
namespace {

/// "; did you mean `drop`?" when `word` is a typo of one of `words`, else
/// `otherwise`.
std::string didYouMean(const std::string& word, const std::vector<std::string>& words,
                       const std::string& otherwise) {
  std::string best = closestName(word, words);
  return best.empty() ? otherwise : "; did you mean `" + best + "`?";
}

}  // namespace

std::unique_ptr<ast::Module> AstBuilder::buildModule(Flow::ModuleContext* ctx) {
  auto module = std::make_unique<ast::Module>();
  if (ctx == nullptr) return module;
  for (Flow::TopDeclContext* decl : ctx->topDecl()) buildTopDecl(decl, *module);
  return module;
}

void AstBuilder::buildTopDecl(Flow::TopDeclContext* decl, ast::Module& module) {
  checkSeparated(decl);
  if (auto* c = decl->typeDecl())
    module.types.push_back(buildTypeDecl(c));
  else if (auto* c = decl->constDecl())
    module.consts.push_back(buildConstDecl(c));
  else if (auto* c = decl->externBlock())
    module.externs.push_back(buildExternBlock(c));
  else if (auto* c = decl->fnDecl())
    module.fns.push_back(buildFnDecl(c));
  else if (auto* c = decl->pipelineDecl())
    module.pipelines.push_back(buildPipeline(c));
  else if (auto* c = decl->testDecl())
    module.tests.push_back(buildTestDecl(c));
}

ast::TypeRef AstBuilder::buildTypeRef(Flow::TypeRefContext* ctx, SourceRange fallback) {
  ast::TypeRef ref;
  ref.range = rangeOf(ctx);
  if (!ref.range.isValid()) ref.range = fallback;
  ref.name = ast::kErrorName;
  if (ctx == nullptr) return ref;
  if (ctx->LBRACK() != nullptr) {
    ref.kind = ast::TypeRef::Kind::List;
    ref.name.clear();
    ref.element = std::make_unique<ast::TypeRef>(buildTypeRef(ctx->typeRef(0), ref.range));
    return ref;
  }
  if (ctx->LBRACE() != nullptr) {
    ref.kind = ast::TypeRef::Kind::Map;
    ref.name.clear();
    ref.key = std::make_unique<ast::TypeRef>(buildTypeRef(ctx->typeRef(0), ref.range));
    ref.element = std::make_unique<ast::TypeRef>(buildTypeRef(ctx->typeRef(1), ref.range));
    return ref;
  }
  ref.name = ident(ctx->IDENT(), ref.range).name;
  if (Flow::TypeArgContext* arg = ctx->typeArg()) {
    ref.kind = ast::TypeRef::Kind::Generic;
    if (arg->IDENT() == nullptr) {
      ref.element = std::make_unique<ast::TypeRef>(buildTypeRef(arg->typeRef(), ref.range));
      return ref;
    }
    // `Name<Inner<T>>`: the argument is itself generic, closed by the same `>>`.
    auto inner = std::make_unique<ast::TypeRef>();
    inner->kind = ast::TypeRef::Kind::Generic;
    inner->name = ident(arg->IDENT(), ref.range).name;
    inner->range = rangeOf(arg);
    if (!inner->range.isValid()) inner->range = ref.range;
    inner->element = std::make_unique<ast::TypeRef>(buildTypeRef(arg->typeRef(), ref.range));
    ref.element = std::move(inner);
  }
  return ref;
}

std::unique_ptr<ast::TypeDecl> AstBuilder::buildTypeDecl(Flow::TypeDeclContext* ctx) {
  auto decl = std::make_unique<ast::TypeDecl>();
  decl->range = rangeOf(ctx);
  ast::Ident name = ident(ctx->IDENT(), decl->range);
  decl->name = std::move(name.name);
  decl->nameRange = name.range;
  for (Flow::FieldDeclContext* field : ctx->fieldDecl()) {
    checkSeparated(field, /*commaSeparates=*/true);
    SourceRange range = rangeOf(field);
    ast::FieldDecl f;
    f.name = ident(field->IDENT(), range);
    f.type = buildTypeRef(field->typeRef(), range);
    if (field->ASSIGN() != nullptr) f.defaultValue = buildExpr(field->expr(), range);
    decl->fields.push_back(std::move(f));
  }
  return decl;
}

std::unique_ptr<ast::ConstDecl> AstBuilder::buildConstDecl(Flow::ConstDeclContext* ctx) {
  auto decl = std::make_unique<ast::ConstDecl>();
  decl->range = rangeOf(ctx);
  decl->name = ident(ctx->IDENT(), decl->range);
  decl->value = buildExpr(ctx->expr(), decl->range);
  return decl;
}

std::unique_ptr<ast::ExternBlock> AstBuilder::buildExternBlock(Flow::ExternBlockContext* ctx) {
  auto block = std::make_unique<ast::ExternBlock>();
  block->range = rangeOf(ctx);
  if (Flow::StringLitContext* header = ctx->stringLit()) {
    std::unique_ptr<ast::StringLit> str = buildString(header);
    block->headerRange = str->range;
    if (str->isPlain())
      block->header = str->plainText();
    else
      syntaxError(str->range, "the header of an `extern` block must be a plain string, without `{…}`");
    if (str->isPlain() && block->header.empty())
      syntaxError(str->range, "the header of an `extern` block is empty");
  }
  for (Flow::ExternFnContext* fnCtx : ctx->externFn()) {
    checkSeparated(fnCtx);
    ast::ExternFn fn;
    fn.range = rangeOf(fnCtx);
    fn.name = ident(fnCtx->IDENT(), fn.range);
    fn.header = block->header;
    for (Flow::FnParamContext* p : fnCtx->fnParam()) fn.params.push_back(buildFnParam(p));
    if (fnCtx->ARROW() != nullptr) fn.result = buildTypeRef(fnCtx->typeRef(), fn.range);
    block->fns.push_back(std::move(fn));
  }
  return block;
}

ast::FnParam AstBuilder::buildFnParam(Flow::FnParamContext* ctx) {
  SourceRange range = rangeOf(ctx);
  return {ident(ctx->IDENT(), range), buildTypeRef(ctx->typeRef(), range)};
}

std::unique_ptr<ast::FnDecl> AstBuilder::buildFnDecl(Flow::FnDeclContext* ctx) {
  auto fn = std::make_unique<ast::FnDecl>();
  fn->range = rangeOf(ctx);
  fn->name = ident(ctx->IDENT(), fn->range);
  for (Flow::FnParamContext* p : ctx->fnParam()) fn->params.push_back(buildFnParam(p));
  if (ctx->ARROW() != nullptr) fn->result = buildTypeRef(ctx->typeRef(), fn->range);
  fn->body = buildBlock(ctx->block(), fn->range);
  return fn;
}

std::unique_ptr<ast::PipelineDecl> AstBuilder::buildPipeline(Flow::PipelineDeclContext* ctx) {
  auto pipeline = std::make_unique<ast::PipelineDecl>();
  pipeline->range = rangeOf(ctx);
  pipeline->name = ident(ctx->IDENT(), pipeline->range);
  for (Flow::MemberContext* member : ctx->member()) {
    checkSeparated(member);
    buildMember(member, *pipeline);
  }
  return pipeline;
}

void AstBuilder::buildMember(Flow::MemberContext* ctx, ast::PipelineDecl& pipeline) {
  SourceRange range = rangeOf(ctx);
  if (!range.isValid()) return;
  ast::PipelineMember member;
  member.range = range;
  if (auto* c = dynamic_cast<Flow::ParamMemberContext*>(ctx)) {
    auto param = std::make_unique<ast::ParamDecl>();
    param->range = range;
    param->name = ident(c->IDENT(), range);
    param->type = buildTypeRef(c->typeRef(), range);
    if (c->ASSIGN() != nullptr) param->defaultValue = buildExpr(c->expr(), range);
    member.kind = ast::PipelineMember::Kind::Param;
    member.param = param.get();
    pipeline.params.push_back(std::move(param));
  } else if (auto* c = dynamic_cast<Flow::DeadlineMemberContext*>(ctx)) {
    // One slot in the AST, so the duplicate is reported here.
    if (pipeline.deadline) {
      syntaxError(range, "a pipeline has at most one `deadline`", pipeline.deadlineRange,
                  "the first `deadline` is here");
      return;
    }
    pipeline.deadline = buildExpr(c->expr(), range);
    pipeline.deadlineRange = range;
    member.kind = ast::PipelineMember::Kind::Deadline;
    member.expr = pipeline.deadline.get();
  } else if (auto* c = dynamic_cast<Flow::MonitorMemberContext*>(ctx)) {
    if (pipeline.monitor) {
      syntaxError(range, "a pipeline has at most one `monitor`", pipeline.monitorRange,
                  "the first `monitor` is here");
      return;
    }
    pipeline.monitor = buildExpr(c->expr(), range);
    pipeline.monitorRange = range;
    member.kind = ast::PipelineMember::Kind::Monitor;
    member.expr = pipeline.monitor.get();
  } else if (auto* c = dynamic_cast<Flow::ChannelMemberContext*>(ctx)) {
    auto channel = std::make_unique<ast::ChannelDecl>();
    channel->range = range;
    std::size_t role = c->role ? c->role->getType() : std::size_t{Flow::CHANNEL};
    channel->role = role == Flow::INPUT    ? ast::ChannelRole::Input
                    : role == Flow::OUTPUT ? ast::ChannelRole::Output
                                           : ast::ChannelRole::Internal;
    channel->name = ident(c->IDENT(0), range);
    channel->elementType = buildTypeRef(c->typeRef(), range);
    channel->capacity = buildExpr(c->expr(), range);
    if (c->OVERFLOW() != nullptr) {
      ast::Ident policy = ident(c->IDENT(1), range);
      channel->overflowRange = SourceRange::cover(rangeOf(c->OVERFLOW()), policy.range);
      if (policy.name == "drop_newest")
        channel->overflow = ast::Overflow::DropNewest;
      else if (policy.name == "drop_oldest")
        channel->overflow = ast::Overflow::DropOldest;
      else if (policy.name != "block" && policy.name != ast::kErrorName)
        syntaxError(policy.range, "unknown overflow policy `" + policy.name + "`" +
                                      didYouMean(policy.name, {"drop_newest", "drop_oldest", "block"},
                                                 "; expected `drop_newest`, `drop_oldest` or `block`"));
    }
    member.kind = ast::PipelineMember::Kind::Channel;
    member.channel = channel.get();
    pipeline.channels.push_back(std::move(channel));
  } else if (auto* c = dynamic_cast<Flow::StageMemberContext*>(ctx)) {
    std::unique_ptr<ast::StageDecl> stage = buildStage(c);
    member.kind = ast::PipelineMember::Kind::Stage;
    member.stage = stage.get();
    pipeline.stages.push_back(std::move(stage));
  } else {
    return;  // prediction failed; already reported
  }
  pipeline.members.push_back(member);
}

std::unique_ptr<ast::StageDecl> AstBuilder::buildStage(Flow::StageMemberContext* ctx) {
  auto stage = std::make_unique<ast::StageDecl>();
  stage->range = rangeOf(ctx);
  std::size_t kind = ctx->kind ? ctx->kind->getType() : std::size_t{Flow::STAGE};
  stage->kind = kind == Flow::SOURCE ? ast::StageDecl::Kind::Source
                : kind == Flow::SINK ? ast::StageDecl::Kind::Sink
                                     : ast::StageDecl::Kind::Stage;
  stage->name = ident(ctx->IDENT(), stage->range);
  // Which kinds may have inputs and outputs is sema's InvalidStageShape; the
  // grammar takes both on every kind so the message can be specific.
  if (Flow::StageInputsContext* in = ctx->stageInputs()) {
    SourceRange inRange = rangeOf(in);
    stage->item = ident(in->IDENT(), inRange);
    if (Flow::IdentListContext* list = in->identList())
      for (antlr4::tree::TerminalNode* name : list->IDENT()) stage->inputs.push_back(ident(name, inRange));
    if (in->BATCH() != nullptr) {
      stage->batchSize = buildExpr(in->expr(0), inRange);
      if (in->WITHIN() != nullptr) stage->batchWithin = buildExpr(in->expr(1), inRange);
      stage->batchRange = rangeOf(in->BATCH());
      if (stage->batchWithin)
        stage->batchRange = SourceRange::cover(stage->batchRange, stage->batchWithin->range);
      else if (stage->batchSize)
        stage->batchRange = SourceRange::cover(stage->batchRange, stage->batchSize->range);
    }
  }
  if (ctx->ARROW() != nullptr) {
    if (Flow::IdentListContext* list = ctx->identList())
      for (antlr4::tree::TerminalNode* name : list->IDENT())
        stage->outputs.push_back(ident(name, stage->range));
  }
  for (Flow::StageAttrContext* attr : ctx->stageAttr())
    if (std::optional<ast::StageAttr> a = buildAttr(attr)) stage->attrs.push_back(std::move(*a));
  stage->body = buildBlock(ctx->block(), stage->range);
  return stage;
}

std::optional<ast::StageAttr> AstBuilder::buildAttr(Flow::StageAttrContext* ctx) {
  ast::StageAttr attr;
  attr.range = rangeOf(ctx);
  if (!attr.range.isValid()) return std::nullopt;
  if (auto* c = dynamic_cast<Flow::WorkersAttrContext*>(ctx)) {
    attr.kind = ast::StageAttr::Kind::Workers;
    attr.value = buildExpr(c->expr(), attr.range);
  } else if (auto* c = dynamic_cast<Flow::TimeoutAttrContext*>(ctx)) {
    attr.kind = ast::StageAttr::Kind::Timeout;
    attr.value = buildExpr(c->expr(), attr.range);
  } else if (auto* c = dynamic_cast<Flow::RetryAttrContext*>(ctx)) {
    attr.kind = ast::StageAttr::Kind::Retry;
    attr.value = buildExpr(c->expr(0), attr.range);
    if (c->BACKOFF() != nullptr) attr.backoff = buildExpr(c->expr(1), attr.range);
  } else if (auto* c = dynamic_cast<Flow::OnErrorAttrContext*>(ctx)) {
    attr.kind = ast::StageAttr::Kind::OnError;
    ast::Ident policy = ident(c->IDENT(0), attr.range);
    antlr4::tree::TerminalNode* extra = c->IDENT(1);
    if (policy.name == "route") {
      attr.onError = ast::OnError::Route;
      if (extra == nullptr)
        syntaxError(policy.range, "`on_error route` needs a channel: `on_error route failed_items`");
      attr.routeChannel = ident(extra, policy.range);
      return attr;
    }
    if (policy.name == "drop")
      attr.onError = ast::OnError::Drop;
    else if (policy.name == "stop")
      attr.onError = ast::OnError::Stop;
    else if (policy.name != ast::kErrorName)
      syntaxError(policy.range, "unknown error policy `" + policy.name + "`" +
                                    didYouMean(policy.name, {"drop", "stop", "route"},
                                               "; expected `drop`, `stop` or `route CHANNEL`"));
    if (extra != nullptr)
      syntaxError(rangeOf(extra), "unexpected `" + extra->getText() + "` after `on_error " + policy.name +
                                      "`; only `route` takes a channel");
  } else if (dynamic_cast<Flow::OrderedAttrContext*>(ctx)) {
    attr.kind = ast::StageAttr::Kind::Ordered;
  } else if (auto* c = dynamic_cast<Flow::KeyAttrContext*>(ctx)) {
    attr.kind = ast::StageAttr::Kind::Key;
    attr.value = buildExpr(c->expr(), attr.range);
  } else {
    return std::nullopt;
  }
  return attr;
}

}  // namespace flow::parse
