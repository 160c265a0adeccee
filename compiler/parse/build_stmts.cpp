// parse/build_stmts.cpp — the AST builder for blocks and the statements of
// docs/language.md, "Stage bodies". `else if` chains, parsed as a loop, become
// IfStmts nested in `otherwise` blocks as ast.h describes; `ch <- e` and the
// assignments, parsed as one alternative, are told apart here and their left
// side checked. Placement rules (`state` first, `finally` last) are sema's.
#include <llvm/Support/Casting.h>

#include <string>

#include "parse/parse_internal.h"

namespace flow::parse {
namespace {

std::optional<ast::BinaryOp> compoundOp(std::size_t type) {
  switch (type) {
    case Flow::PLUS_ASSIGN:
      return ast::BinaryOp::Add;
    case Flow::MINUS_ASSIGN:
      return ast::BinaryOp::Sub;
    case Flow::STAR_ASSIGN:
      return ast::BinaryOp::Mul;
    case Flow::SLASH_ASSIGN:
      return ast::BinaryOp::Div;
    default:
      return std::nullopt;
  }
}

/// `name`, `name[i]`, `name[i][j]`…: the shapes an assignment can write.
/// Whether the name is a `var` and what it is indexed by are sema's.
bool isAssignableShape(const ast::Expr& e) {
  const ast::Expr* at = &e;
  while (auto* index = llvm::dyn_cast<ast::IndexExpr>(at)) at = index->base.get();
  return at != nullptr && llvm::isa<ast::NameExpr>(at);
}

}  // namespace

ast::Block AstBuilder::buildBlock(Flow::BlockContext* ctx, SourceRange fallback) {
  ast::Block block;
  block.range = rangeOf(ctx);
  if (!block.range.isValid()) block.range = fallback;
  if (ctx == nullptr) return block;
  for (Flow::StmtContext* stmt : ctx->stmt()) {
    checkSeparated(stmt);
    if (ast::StmtPtr s = buildStmt(stmt)) block.stmts.push_back(std::move(s));
  }
  return block;
}

ast::StmtPtr AstBuilder::buildStmt(Flow::StmtContext* ctx) {
  SourceRange range = rangeOf(ctx);
  if (!range.isValid()) return nullptr;  // nothing of it was in the source
  if (auto* c = dynamic_cast<Flow::SimpleStmtContext*>(ctx)) return buildSimple(c);
  if (auto* c = dynamic_cast<Flow::LetStmtContext*>(ctx)) {
    bool isVar = c->kw != nullptr && c->kw->getType() == Flow::VAR;
    auto let =
        std::make_unique<ast::LetStmt>(ident(c->IDENT(), range), isVar, buildExpr(c->expr(), range), range);
    if (c->COLON() != nullptr) let->declType = buildTypeRef(c->typeRef(), range);
    return let;
  }
  if (auto* c = dynamic_cast<Flow::StateStmtContext*>(ctx)) {
    auto state =
        std::make_unique<ast::StateStmt>(ident(c->IDENT(), range), buildExpr(c->expr(), range), range);
    if (c->COLON() != nullptr) state->declType = buildTypeRef(c->typeRef(), range);
    return state;
  }
  if (auto* c = dynamic_cast<Flow::IfStmtContext*>(ctx)) return buildIf(c);
  if (auto* c = dynamic_cast<Flow::ForStmtContext*>(ctx)) {
    ast::ExprPtr iterable = buildExpr(c->expr(0), range);
    ast::ExprPtr hi = c->DOTDOT() ? buildExpr(c->expr(1), range) : nullptr;
    auto loop = std::make_unique<ast::ForStmt>(ident(c->IDENT(0), range), std::move(iterable), std::move(hi),
                                               buildBlock(c->block(), range), range);
    if (c->COMMA() != nullptr) {
      loop->second = ident(c->IDENT(1), range);
      if (loop->isRange())
        syntaxError(loop->second->range, "a range `a..b` gives one value; write `for i in a..b`");
    }
    return loop;
  }
  if (auto* c = dynamic_cast<Flow::WhileStmtContext*>(ctx))
    return std::make_unique<ast::WhileStmt>(buildExpr(c->expr(), range), buildBlock(c->block(), range),
                                            range);
  if (dynamic_cast<Flow::BreakStmtContext*>(ctx)) return std::make_unique<ast::BreakStmt>(range);
  if (dynamic_cast<Flow::ContinueStmtContext*>(ctx)) return std::make_unique<ast::ContinueStmt>(range);
  if (auto* c = dynamic_cast<Flow::ReturnStmtContext*>(ctx))
    return std::make_unique<ast::ReturnStmt>(c->expr() ? buildExpr(c->expr(), range) : nullptr, range);
  if (auto* c = dynamic_cast<Flow::EmitStmtContext*>(ctx))
    return std::make_unique<ast::SendStmt>(std::nullopt, buildExpr(c->expr(), range), range);
  if (auto* c = dynamic_cast<Flow::TrySendStmtContext*>(ctx)) {
    std::optional<ast::Ident> channel;
    if (c->EMIT() == nullptr) channel = ident(c->IDENT(), range);
    auto send = std::make_unique<ast::SendStmt>(std::move(channel), buildExpr(c->expr(), range), range);
    send->isTry = true;
    send->otherwise = std::make_unique<ast::Block>(buildBlock(c->block(), range));
    return send;
  }
  if (auto* c = dynamic_cast<Flow::FailStmtContext*>(ctx))
    return std::make_unique<ast::FailStmt>(buildExpr(c->expr(), range), range);
  if (auto* c = dynamic_cast<Flow::EveryStmtContext*>(ctx))
    return std::make_unique<ast::EveryStmt>(buildExpr(c->expr(), range), buildBlock(c->block(), range),
                                            range);
  if (auto* c = dynamic_cast<Flow::FinallyStmtContext*>(ctx))
    return std::make_unique<ast::FinallyStmt>(buildBlock(c->block(), range), range);
  return nullptr;  // prediction failed; the error is already reported
}

/// `if a {…} else if b {…} else {…}`: the grammar loops over the branches;
/// the AST nests each `else if` as the only statement of its parent's
/// `otherwise` block. Built from the last branch backwards, iteratively.
ast::StmtPtr AstBuilder::buildIf(Flow::IfStmtContext* ctx) {
  SourceRange range = rangeOf(ctx);
  std::vector<Flow::ExprContext*> conds = ctx->expr();
  std::vector<Flow::BlockContext*> blocks = ctx->block();
  if (conds.empty()) return nullptr;
  std::size_t branches = conds.size();
  if (branches > kMaxExprDepth) {
    syntaxError(rangeOf(conds[kMaxExprDepth]),
                "too many `else if` branches; at most " + std::to_string(kMaxExprDepth) + " are allowed");
    branches = kMaxExprDepth;
  }
  std::unique_ptr<ast::Block> tail;
  if (blocks.size() > conds.size()) tail = std::make_unique<ast::Block>(buildBlock(blocks.back(), range));
  ast::StmtPtr result;
  for (std::size_t i = branches; i-- > 0;) {
    // Branch i begins at its `if` keyword and, like the whole chain, ends at
    // the chain's last `}`.
    SourceRange branchRange = range;
    if (antlr4::tree::TerminalNode* kw = ctx->IF(i); kw != nullptr && rangeOf(kw).isValid())
      branchRange.begin = rangeOf(kw).begin;
    ast::Block then = buildBlock(i < blocks.size() ? blocks[i] : nullptr, branchRange);
    auto node = std::make_unique<ast::IfStmt>(buildExpr(conds[i], branchRange), std::move(then), branchRange);
    if (result) {
      tail = std::make_unique<ast::Block>();
      tail->range = result->range;
      tail->stmts.push_back(std::move(result));
    }
    node->otherwise = std::move(tail);
    result = std::move(node);
  }
  return result;
}

/// `expr`, `ch <- expr`, `name = expr`, `name += expr`, ….
ast::StmtPtr AstBuilder::buildSimple(Flow::SimpleStmtContext* ctx) {
  SourceRange range = rangeOf(ctx);
  ast::ExprPtr lhs = buildExpr(ctx->expr(0), range);
  if (ctx->op == nullptr) return std::make_unique<ast::ExprStmt>(std::move(lhs), range);
  ast::ExprPtr rhs = buildExpr(ctx->expr(1), range);
  std::size_t op = ctx->op->getType();
  auto* name = llvm::dyn_cast<ast::NameExpr>(lhs.get());
  if (op == Flow::SEND) {
    ast::Ident channel{ast::kErrorName, lhs->range};
    if (name != nullptr)
      channel = {name->name, name->range};
    else
      syntaxError(lhs->range, "expected a channel name before `<-`");
    return std::make_unique<ast::SendStmt>(std::move(channel), std::move(rhs), range);
  }
  if (name == nullptr && !isAssignableShape(*lhs)) {
    syntaxError(lhs->range,
                "cannot assign to this expression; only a `var` or `state` name, or an element of one "
                "(`m[k]`, `xs[i]`), can be assigned");
    lhs = errorExpr(lhs->range);
  }
  return std::make_unique<ast::AssignStmt>(std::move(lhs), compoundOp(op), std::move(rhs), range);
}

}  // namespace flow::parse
