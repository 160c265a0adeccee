// parse/build_exprs.cpp — the AST builder for expressions, plus the position
// helpers every build_*.cpp uses. A missing piece (left by error recovery,
// always after a reported SyntaxError) becomes a placeholder NameExpr named
// ast::kErrorName, so the tree handed to sema is complete. Literal decoding
// lives in build_literals.cpp. Does not check types.
#include <string>

#include "parse/parse_internal.h"

namespace flow::parse {

bool AstBuilder::isReal(const antlr4::Token* tok) const {
  return tok != nullptr && tok->getType() != antlr4::Token::EOF && tok->getStartIndex() != INVALID_INDEX &&
         tok->getStartIndex() <= text_.size;
}

SourceRange AstBuilder::rangeOf(const antlr4::Token* tok) const {
  if (!isReal(tok)) return {};
  std::size_t begin = tok->getStartIndex();
  std::size_t stop = tok->getStopIndex();
  std::size_t end = (stop == INVALID_INDEX || stop < begin) ? begin : stop + 1;
  return {text_.loc(begin), text_.loc(end)};
}

SourceRange AstBuilder::rangeOf(antlr4::tree::TerminalNode* node) const {
  return node == nullptr ? SourceRange{} : rangeOf(node->getSymbol());
}

SourceRange AstBuilder::rangeOf(antlr4::ParserRuleContext* ctx) const {
  if (ctx == nullptr || !isReal(ctx->getStart())) return {};
  SourceRange first = rangeOf(ctx->getStart());
  antlr4::Token* stop = ctx->getStop();
  if (!isReal(stop) || stop->getStartIndex() < ctx->getStart()->getStartIndex()) return first;
  return SourceRange::cover(first, rangeOf(stop));
}

ast::Ident AstBuilder::ident(antlr4::tree::TerminalNode* node, SourceRange fallback) const {
  if (node == nullptr || !isReal(node->getSymbol()) || node->getSymbol()->getType() != Flow::IDENT)
    return {ast::kErrorName, fallback};
  return {node->getText(), rangeOf(node)};
}

ast::ExprPtr AstBuilder::errorExpr(SourceRange range) {
  return std::make_unique<ast::NameExpr>(ast::kErrorName, range);
}

void AstBuilder::syntaxError(SourceRange range, std::string message, SourceRange noteRange,
                             std::string note) {
  if (!range.isValid()) return;  // only placeholders lack a range; their error is already out
  auto offset = [&](llvm::SMLoc loc) { return static_cast<std::size_t>(loc.getPointer() - text_.begin); };
  errors_.report(offset(range.begin), offset(range.end.isValid() ? range.end : range.begin),
                 std::move(message), noteRange, std::move(note));
}

void AstBuilder::invalidLiteral(SourceRange range, std::string message, DiagKind kind) {
  auto offset = [&](llvm::SMLoc loc) { return static_cast<std::size_t>(loc.getPointer() - text_.begin); };
  errors_.reportInvalidLiteral(offset(range.begin), offset(range.end), std::move(message), kind);
}

bool AstBuilder::isSeparated(const antlr4::Token* first, bool commaSeparates) {
  if (!isReal(first) || first->getTokenIndex() == 0 || first->getTokenIndex() == INVALID_INDEX) return true;
  std::size_t prev = tokens_.get(first->getTokenIndex() - 1)->getType();
  return prev == Flow::NL || prev == Flow::SEMI || prev == Flow::LBRACE ||
         (commaSeparates && prev == Flow::COMMA);
}

void AstBuilder::checkSeparated(antlr4::ParserRuleContext* item, bool commaSeparates) {
  antlr4::Token* first = item == nullptr ? nullptr : item->getStart();
  if (isSeparated(first, commaSeparates)) return;
  syntaxError(rangeOf(first), "unexpected " + describeToken(first) + "; expected a newline or `;` before it");
}

namespace {

std::optional<ast::BinaryOp> binaryOp(std::size_t type) {
  switch (type) {
    case Flow::PLUS:
      return ast::BinaryOp::Add;
    case Flow::MINUS:
      return ast::BinaryOp::Sub;
    case Flow::STAR:
      return ast::BinaryOp::Mul;
    case Flow::SLASH:
      return ast::BinaryOp::Div;
    case Flow::PERCENT:
      return ast::BinaryOp::Rem;
    case Flow::AMP:
      return ast::BinaryOp::BitAnd;
    case Flow::PIPE:
      return ast::BinaryOp::BitOr;
    case Flow::CARET:
      return ast::BinaryOp::BitXor;
    case Flow::SHL:
      return ast::BinaryOp::Shl;
    case Flow::SHR:
      return ast::BinaryOp::Shr;
    case Flow::EQ:
      return ast::BinaryOp::Eq;
    case Flow::NE:
      return ast::BinaryOp::Ne;
    case Flow::LT:
      return ast::BinaryOp::Lt;
    case Flow::LE:
      return ast::BinaryOp::Le;
    case Flow::GT:
      return ast::BinaryOp::Gt;
    case Flow::GE:
      return ast::BinaryOp::Ge;
    case Flow::AND_AND:
      return ast::BinaryOp::And;
    case Flow::OR_OR:
      return ast::BinaryOp::Or;
    default:
      return std::nullopt;
  }
}

/// Counts the recursion depth of buildExpr for the lifetime of one call.
class DepthScope {
 public:
  explicit DepthScope(unsigned& depth) : depth_(depth) { ++depth_; }
  ~DepthScope() { --depth_; }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;

 private:
  unsigned& depth_;
};

}  // namespace

ast::ExprPtr AstBuilder::buildExpr(Flow::ExprContext* ctx, SourceRange fallback) {
  SourceRange range = rangeOf(ctx);
  if (!range.isValid()) range = fallback;
  if (ctx == nullptr) return errorExpr(range);
  DepthScope scope(exprDepth_);
  if (exprDepth_ > kMaxExprDepth) {
    // The parser loops over `a + b + c …`, but sema, dump and the AST's own
    // destructor recurse over the result; keep that bounded.
    if (!reportedTooDeep_)
      syntaxError(range, "expression is too deeply nested; at most " + std::to_string(kMaxExprDepth) +
                             " operators may be chained");
    reportedTooDeep_ = true;
    return errorExpr(range);
  }
  if (auto* c = dynamic_cast<Flow::PrimaryExprContext*>(ctx)) {
    if (c->primary() == nullptr) return errorExpr(range);
    return buildPrimary(c->primary());
  }
  if (auto* c = dynamic_cast<Flow::BinaryExprContext*>(ctx)) {
    std::optional<ast::BinaryOp> op = c->op ? binaryOp(c->op->getType()) : std::nullopt;
    ast::ExprPtr lhs = buildExpr(c->expr(0), range);
    ast::ExprPtr rhs = buildExpr(c->expr(1), range);
    if (!op) return errorExpr(range);
    return std::make_unique<ast::BinaryExpr>(*op, std::move(lhs), std::move(rhs), rangeOf(c->op), range);
  }
  if (auto* c = dynamic_cast<Flow::UnaryExprContext*>(ctx)) {
    ast::ExprPtr operand = buildExpr(c->expr(), range);
    std::size_t type = c->op ? c->op->getType() : std::size_t{Flow::MINUS};
    ast::UnaryOp op = type == Flow::NOT     ? ast::UnaryOp::Not
                      : type == Flow::TILDE ? ast::UnaryOp::BitNot
                                            : ast::UnaryOp::Neg;
    return std::make_unique<ast::UnaryExpr>(op, std::move(operand), range);
  }
  if (auto* c = dynamic_cast<Flow::FieldExprContext*>(ctx)) {
    ast::ExprPtr base = buildExpr(c->expr(), range);
    return std::make_unique<ast::FieldExpr>(std::move(base), ident(c->IDENT(), range), range);
  }
  if (auto* c = dynamic_cast<Flow::IndexExprContext*>(ctx)) {
    ast::ExprPtr base = buildExpr(c->expr(0), range);
    ast::ExprPtr index = buildExpr(c->expr(1), range);
    return std::make_unique<ast::IndexExpr>(std::move(base), std::move(index), range);
  }
  return errorExpr(range);  // prediction failed before an alternative was chosen
}

ast::ExprPtr AstBuilder::buildPrimary(Flow::PrimaryContext* ctx) {
  SourceRange range = rangeOf(ctx);
  if (auto* c = dynamic_cast<Flow::IntLitContext*>(ctx)) return buildInt(c->INT()->getSymbol());
  if (auto* c = dynamic_cast<Flow::FloatLitContext*>(ctx)) return buildFloat(c->FLOAT()->getSymbol());
  if (auto* c = dynamic_cast<Flow::DurationLitContext*>(ctx))
    return buildDuration(c->DURATION()->getSymbol());
  if (auto* c = dynamic_cast<Flow::BoolLitContext*>(ctx))
    return std::make_unique<ast::BoolLit>(c->TRUE() != nullptr, range);
  if (auto* c = dynamic_cast<Flow::StringLitExprContext*>(ctx)) {
    if (c->stringLit() == nullptr) return errorExpr(range);
    return buildString(c->stringLit());
  }
  if (auto* c = dynamic_cast<Flow::NameExprContext*>(ctx)) {
    ast::Ident name = ident(c->IDENT(), range);
    return std::make_unique<ast::NameExpr>(std::move(name.name), name.range.isValid() ? name.range : range);
  }
  if (auto* c = dynamic_cast<Flow::CallExprContext*>(ctx)) {
    auto call = std::make_unique<ast::CallExpr>(ident(c->IDENT(), range), range);
    for (Flow::ExprContext* arg : c->expr()) call->args.push_back(buildExpr(arg, range));
    return call;
  }
  if (auto* c = dynamic_cast<Flow::RecordLitContext*>(ctx)) {
    auto record = std::make_unique<ast::RecordLit>(range);
    record->typeName = ident(c->IDENT(), range);
    for (Flow::FieldInitContext* field : c->fieldInit()) {
      SourceRange fieldRange = rangeOf(field);
      record->fields.push_back({ident(field->IDENT(), fieldRange), buildExpr(field->expr(), fieldRange)});
    }
    return record;
  }
  if (auto* c = dynamic_cast<Flow::MapLitContext*>(ctx)) {
    auto map = std::make_unique<ast::MapLit>(range);
    for (Flow::MapEntryContext* entry : c->mapEntry()) {
      SourceRange entryRange = rangeOf(entry);
      map->entries.push_back({buildExpr(entry->expr(0), entryRange), buildExpr(entry->expr(1), entryRange)});
    }
    return map;
  }
  if (auto* c = dynamic_cast<Flow::ListLitContext*>(ctx)) {
    auto list = std::make_unique<ast::ListLit>(range);
    for (Flow::ExprContext* element : c->expr()) list->elements.push_back(buildExpr(element, range));
    return list;
  }
  if (auto* c = dynamic_cast<Flow::ParenExprContext*>(ctx)) return buildExpr(c->expr(), range);
  return errorExpr(range);
}

}  // namespace flow::parse
