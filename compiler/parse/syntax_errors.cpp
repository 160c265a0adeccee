// parse/syntax_errors.cpp — syntax errors a user can act on. ANTLR's default
// strategy recovers well (single-token insertion and deletion, resync to the
// enclosing loop) but words its messages for grammar authors ("mismatched input
// 'x' expecting {…}"). FlowErrorStrategy keeps the recovery and rewrites every
// message as "unexpected X; expected Y [to close Z]" in the terms a user knows
// from docs/language.md, and SyntaxErrorLog keeps one error per line so one
// typo is one message. Nothing here prints; everything goes to the
// DiagnosticEngine.
#include <algorithm>
#include <string>
#include <vector>

#include "parse/parse_internal.h"

namespace flow::parse {

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += hex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  if (out.size() > 40) out = out.substr(0, 37) + "...";
  return out;
}

void SyntaxErrorLog::report(std::size_t begin, std::size_t end, std::string message, SourceRange noteRange,
                            std::string note) {
  offsets_.push_back(begin);
  SourceRange range{text_.loc(begin), text_.loc(std::max(begin, end))};
  unsigned line = diags_.sourceMgr().getLineAndColumn(range.begin).first;
  if (!lines_.insert(line).second) return;
  ++count_;
  auto diag = diags_.report(DiagKind::SyntaxError, range, std::move(message));
  if (noteRange.isValid()) diag.note(noteRange, std::move(note));
}

void SyntaxErrorLog::reportInvalidLiteral(std::size_t begin, std::size_t end, std::string message,
                                          DiagKind kind) {
  if (!literals_.insert(begin).second) return;  // the fast parse pass already said so
  ++count_;
  diags_.report(kind, {text_.loc(begin), text_.loc(std::max(begin, end))}, std::move(message));
}

std::string describeToken(const antlr4::Token* tok) {
  if (tok == nullptr) return "input";
  switch (tok->getType()) {
    case antlr4::Token::EOF:
      return "end of file";
    case Flow::NL:
      return "end of line";
    case Flow::STRING_START:
      return "string";
    default:
      break;
  }
  // Keywords are reserved: say so, since `in` or `state` look like names.
  std::string text = tok->getText();
  if (tok->getType() >= Flow::TYPE && tok->getType() < Flow::TRUE) return "keyword `" + text + "`";
  return "`" + printable(text) + "`";
}

namespace {

bool isExpressionStart(std::size_t type) {
  switch (type) {
    case Flow::INT:
    case Flow::FLOAT:
    case Flow::DURATION:
    case Flow::TRUE:
    case Flow::FALSE:
    case Flow::STRING_START:
    case Flow::LBRACK:
    case Flow::IDENT:
    case Flow::LPAREN:
    case Flow::MINUS:
    case Flow::NOT:
    case Flow::TILDE:
      return true;
    default:
      return false;
  }
}

/// Tokens that may continue an expression; never what a user forgot, so they
/// are left out of "expected …" lists.
bool isExpressionContinuation(std::size_t type) {
  return isBinaryOperator(type) || type == Flow::DOT || type == Flow::LBRACK || type == Flow::LPAREN ||
         type == Flow::LBRACE;
}

std::string tokenName(std::size_t type, const antlr4::dfa::Vocabulary& vocab) {
  switch (type) {
    case antlr4::Token::EOF:
      return "end of file";
    case Flow::NL:
      return "a newline";
    case Flow::IDENT:
      return "a name";
    case Flow::INT:
      return "an integer";
    case Flow::STRING_START:
      return "a string";
    case Flow::STRING_END:
      return "`\"`";
    case Flow::INTERP_OPEN:
    case Flow::LBRACE:
      return "`{`";
    case Flow::RBRACE:
      return "`}`";
    case Flow::FLOAT:
      return "a number";
    case Flow::DURATION:
      return "a duration";
    default:
      break;
  }
  std::string literal = vocab.getLiteralName(type);
  if (literal.size() >= 2 && literal.front() == '\'') literal = literal.substr(1, literal.size() - 2);
  // Every token the parser can expect has a literal spelling or a case
  // above; a grammar name (`LBRACE`) must never reach a message.
  if (literal.empty()) return "a token";
  return "`" + literal + "`";
}

std::string joinAlternatives(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

/// "an expression", "`)` or `,`", … or empty when the set is too large to
/// be a useful hint.
std::string describeExpected(const antlr4::misc::IntervalSet& set, const antlr4::dfa::Vocabulary& vocab) {
  std::vector<std::string> names;
  std::vector<ssize_t> types = set.toList();
  bool expression = set.contains(std::size_t{Flow::IDENT}) && set.contains(std::size_t{Flow::INT}) &&
                    set.contains(std::size_t{Flow::LPAREN});
  bool canEnd = set.contains(std::size_t{Flow::NL});
  if (expression) names.push_back("an expression");
  if (canEnd) {
    names.push_back("a newline");
    names.push_back("`;`");
  }
  for (ssize_t t : types) {
    auto type = static_cast<std::size_t>(t);
    if (t < 0 && t != static_cast<ssize_t>(antlr4::Token::EOF)) continue;
    if (expression && isExpressionStart(type)) continue;
    if (types.size() > 1 && isExpressionContinuation(type)) continue;
    if (canEnd && (type == Flow::SEMI || type == Flow::NL)) continue;  // already listed
    names.push_back(tokenName(type, vocab));
  }
  if (names.size() > 5) return {};
  return joinAlternatives(names);
}

/// What the innermost open construct is, for "expected `}` to close …".
std::string enclosingConstruct(antlr4::ParserRuleContext* ctx, std::size_t closer) {
  for (; ctx != nullptr; ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    std::size_t rule = ctx->getRuleIndex();
    if (closer == Flow::RBRACE) {
      if (rule == Flow::RulePipelineDecl) return "the pipeline body";
      if (rule == Flow::RuleTypeDecl) return "the type body";
      if (rule == Flow::RuleExternBlock) return "the extern block";
      if (rule == Flow::RuleTestDecl) return "the test";
      if (rule == Flow::RulePrimary && dynamic_cast<Flow::RecordLitContext*>(ctx))
        return "the record literal";
      if (rule == Flow::RuleStringPart) return "the interpolation";
      if (rule != Flow::RuleBlock) continue;
      auto* parent = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent);
      if (auto* stage = dynamic_cast<Flow::StageMemberContext*>(parent)) {
        std::size_t kind = stage->kind ? stage->kind->getType() : std::size_t{Flow::STAGE};
        return kind == Flow::SOURCE ? "the source body"
               : kind == Flow::SINK ? "the sink body"
                                    : "the stage body";
      }
      if (dynamic_cast<Flow::FnDeclContext*>(parent)) return "the function body";
      if (dynamic_cast<Flow::IfStmtContext*>(parent)) return "the `if` block";
      if (dynamic_cast<Flow::ForStmtContext*>(parent)) return "the `for` body";
      if (dynamic_cast<Flow::WhileStmtContext*>(parent)) return "the `while` body";
      if (dynamic_cast<Flow::FinallyStmtContext*>(parent)) return "the `finally` block";
      if (dynamic_cast<Flow::TrySendStmtContext*>(parent)) return "the `else` block";
      return "the block";
    }
    if (closer == Flow::RPAREN) {
      if (rule == Flow::RuleStageInputs) return "the input list";
      if (rule == Flow::RuleExternFn || rule == Flow::RuleFnDecl) return "the parameter list";
      if (rule == Flow::RulePrimary && dynamic_cast<Flow::CallExprContext*>(ctx)) return "the call";
      if (rule == Flow::RulePrimary) return "the parenthesis";
    }
    if (closer == Flow::RBRACK) {
      if (rule == Flow::RuleTypeRef) return "the list type";
      if (rule == Flow::RuleMember) return "the capacity";
      if (rule == Flow::RuleExpr) return "the index";
      if (rule == Flow::RulePrimary) return "the list";
    }
  }
  return {};
}

/// A noun phrase for what may start here, from the rule being parsed.
std::string ruleHint(antlr4::ParserRuleContext* ctx) {
  for (; ctx != nullptr; ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    switch (ctx->getRuleIndex()) {
      case Flow::RuleExpr:
      case Flow::RulePrimary:
        return "an expression";
      case Flow::RuleTypeRef:
        return "a type";
      case Flow::RuleStmt:
      case Flow::RuleBlock:
        return "a statement";
      case Flow::RuleStageAttr:
        return "a stage attribute (`workers`, `timeout`, `retry`, `on_error`, `ordered`) or `{`";
      case Flow::RuleMember:
      case Flow::RulePipelineDecl:
        return "a pipeline member (`param`, `deadline`, `monitor`, `channel`, `input`, `output`, `source`, "
               "`stage` or "
               "`sink`)";
      case Flow::RuleTestStmt:
      case Flow::RuleTestDecl:
        return "a test statement (`param`, `workers`, `deadline`, `input`, `output` or `expect`)";
      case Flow::RuleTopDecl:
      case Flow::RuleModule:
        return "`type`, `const`, `extern`, `fn`, `pipeline` or `test`";
      default:
        break;
    }
  }
  return {};
}

/// The innermost rule on the stack whose opening bracket has no closing one
/// yet, for "unexpected end of file; expected `}` to close …".
struct Unclosed {
  antlr4::ParserRuleContext* ctx = nullptr;
  antlr4::Token* opener = nullptr;
  std::size_t closer = 0;
};

Unclosed innermostUnclosed(antlr4::ParserRuleContext* ctx) {
  for (; ctx != nullptr; ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    Unclosed open;
    for (antlr4::tree::ParseTree* child : ctx->children) {
      auto* leaf = dynamic_cast<antlr4::tree::TerminalNode*>(child);
      if (leaf == nullptr || dynamic_cast<antlr4::tree::ErrorNode*>(child) != nullptr) continue;
      antlr4::Token* tok = leaf->getSymbol();
      std::size_t type = tok->getType();
      if (type == Flow::LBRACE || type == Flow::INTERP_OPEN)
        open = {ctx, tok, Flow::RBRACE};
      else if (type == Flow::LPAREN)
        open = {ctx, tok, Flow::RPAREN};
      else if (type == Flow::LBRACK)
        open = {ctx, tok, Flow::RBRACK};
      else if (open.opener != nullptr && type == open.closer)
        open = {};
    }
    if (open.opener != nullptr) return open;
  }
  return {};
}

class FlowErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit FlowErrorStrategy(SyntaxErrorLog& errors) : errors_(errors) {}

 protected:
  void reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) override {
    antlr4::Token* tok = e.getOffendingToken();
    if (reportedUnclosed(parser, tok)) return;
    std::string hint = ruleHint(parser->getContext());
    report(tok, "unexpected " + display(tok) + (hint.empty() ? "" : "; expected " + hint));
  }

  void reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) override {
    if (reportedUnclosed(parser, e.getOffendingToken())) return;
    report(e.getOffendingToken(), unexpected(parser, e.getOffendingToken(), e.getExpectedTokens()));
  }

  void reportUnwantedToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    antlr4::Token* tok = parser->getCurrentToken();
    if (reportedUnclosed(parser, tok)) return;
    report(tok, unexpected(parser, tok, getExpectedTokens(parser)));
  }

  void reportMissingToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    antlr4::Token* tok = parser->getCurrentToken();
    if (reportedUnclosed(parser, tok)) return;
    report(tok, unexpected(parser, tok, getExpectedTokens(parser)));
  }

  /// Recovery skips whole bracket groups: a `{ … }` it passes over is
  /// skipped with everything inside it (a closing bracket some enclosing
  /// rule expects is in `set`, so it is never consumed). So after an error in a stage
  /// header, the stage's body goes with it instead of being read as
  /// pipeline members, and the pipeline's `}` still closes the pipeline.
  void consumeUntil(antlr4::Parser* parser, const antlr4::misc::IntervalSet& set) override {
    antlr4::TokenStream* in = parser->getTokenStream();
    int depth = 0;
    for (std::size_t t = in->LA(1); t != antlr4::Token::EOF; t = in->LA(1)) {
      bool opens = t == Flow::LBRACE || t == Flow::INTERP_OPEN || t == Flow::LPAREN || t == Flow::LBRACK;
      bool closes = t == Flow::RBRACE || t == Flow::RPAREN || t == Flow::RBRACK;
      if (depth == 0 && set.contains(t)) return;
      if (opens) ++depth;
      if (closes && depth > 0) --depth;
      parser->consume();
    }
  }

  void reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) override {
    // The grammar has no predicates of its own; ANTLR's precedence climbing
    // uses some internally, which can fail only on already-broken input.
    report(e.getOffendingToken(),
           "unexpected " + display(e.getOffendingToken()) + "; expected " + ruleHint(parser->getContext()));
  }

 private:
  /// At the end of the file the useful message is which bracket is still
  /// open, with a note at its opening.
  bool reportedUnclosed(antlr4::Parser* parser, antlr4::Token* tok) {
    if (tok == nullptr || tok->getType() != antlr4::Token::EOF) return false;
    Unclosed open = innermostUnclosed(parser->getContext());
    if (open.opener == nullptr) return false;
    std::string what = enclosingConstruct(open.ctx, open.closer);
    if (what.empty()) what = "it";
    std::string closer = tokenName(open.closer, parser->getVocabulary());
    std::size_t at = open.opener->getStartIndex();
    SourceRange opening{errors_.text().loc(at), errors_.text().loc(at + 1)};
    report(tok, "unexpected end of file; expected " + closer + " to close " + what, opening,
           what == "it" ? std::string("opened here") : what + " opens here");
    return true;
  }

  std::string unexpected(antlr4::Parser* parser, antlr4::Token* tok,
                         const antlr4::misc::IntervalSet& expected) {
    std::string msg = "unexpected " + display(tok);
    const antlr4::dfa::Vocabulary& vocab = parser->getVocabulary();
    // "expected `}` to close the stage body": at the end of the file, or when
    // the closer is all that fits, say which bracket is missing.
    bool atEof = tok == nullptr || tok->getType() == antlr4::Token::EOF;
    std::string want = describeExpected(expected, vocab);
    for (std::size_t closer : {Flow::RBRACE, Flow::RPAREN, Flow::RBRACK}) {
      if (!expected.contains(closer) || (!atEof && want != tokenName(closer, vocab))) continue;
      std::string what = enclosingConstruct(parser->getContext(), closer);
      if (what.empty()) break;
      return msg + "; expected " + tokenName(closer, vocab) + " to close " + what;
    }
    if (want.empty()) want = ruleHint(parser->getContext());
    if (want.empty()) return msg;
    return msg + "; expected " + want;
  }

  std::string display(antlr4::Token* tok) { return describeToken(tok); }

  void report(antlr4::Token* tok, std::string message, SourceRange noteRange = {}, std::string note = {}) {
    const SourceText& text = errors_.text();
    if (tok == nullptr || tok->getType() == antlr4::Token::EOF || tok->getStartIndex() >= text.size) {
      // Point at the end of the last line rather than past the final newline.
      std::size_t at = text.size;
      if (at > 0 && text.begin[at - 1] == '\n') --at;
      errors_.report(at, at, std::move(message), noteRange, std::move(note));
      return;
    }
    std::size_t begin = tok->getStartIndex();
    std::size_t end = tok->getStopIndex() + 1;
    if (tok->getType() == Flow::NL || end <= begin) end = begin;
    errors_.report(begin, end, std::move(message), noteRange, std::move(note));
  }

  SyntaxErrorLog& errors_;
};

}  // namespace

auto makeErrorStrategy(SyntaxErrorLog& errors) -> std::shared_ptr<antlr4::ANTLRErrorStrategy> {
  return std::make_shared<FlowErrorStrategy>(errors);
}

}  // namespace flow::parse
