// parse/parse_internal.h — private to compiler/parse/: the pieces parse.cpp
// wires together (token filter, syntax-error reporting, the AST builder).
// This is the one header that names ANTLR types; nothing outside parse/
// includes it (parse/parse.h is the public entry). Does not define the
// grammar: that is grammar/Flow.g4 and grammar/FlowLexer.g4.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "Flow.h"
#include "FlowLexer.h"
#include "antlr4-runtime.h"
#include "ast/ast.h"
#include "diag/diagnostics.h"

namespace flow::parse {

using flowgen::Flow;
using flowgen::FlowLexer;

/// Deeper nesting of ( [ { or interpolations, or a longer run of prefix
/// operators, is rejected before parsing: ANTLR's recursive descent (and the
/// builder, sema and dump after it) must never overflow the stack.
inline constexpr unsigned kMaxNesting = 200;
/// Longest left-nested chain (`a + b + … `, `x.a.b…`, `else if`) the builder
/// turns into AST nodes; the parser loops over these, but every later phase
/// recurses over the resulting tree.
inline constexpr unsigned kMaxExprDepth = 1000;

/// Where the text is: token start/stop indices are byte offsets into it
/// because FlowCharStream feeds ANTLR one byte per symbol.
struct SourceText {
  const char* begin = nullptr;
  std::size_t size = 0;

  [[nodiscard]] llvm::SMLoc loc(std::size_t offset) const {
    return llvm::SMLoc::getFromPointer(begin + (offset > size ? size : offset));
  }
};

/// The buffer as ANTLR symbols, one per byte. Bytes >= 0x80 only ever appear
/// in strings, comments or as a bad character, so the lexer never needs them
/// decoded; getText hands back the original bytes (still UTF-8).
class ByteCharStream : public antlr4::ANTLRInputStream {
 public:
  explicit ByteCharStream(parse::SourceText text) : text_(text) {
    _data.resize(text.size);
    for (std::size_t i = 0; i < text.size; ++i) _data[i] = static_cast<unsigned char>(text.begin[i]);
    // A UTF-8 byte order mark (some Windows editors write one) is read as
    // spaces: it is not text, and offsets stay byte offsets.
    if (text.size >= 3 && _data[0] == 0xEF && _data[1] == 0xBB && _data[2] == 0xBF)
      _data[0] = _data[1] = _data[2] = ' ';
    p = 0;
    name = "flow";
  }

  std::string getText(const antlr4::misc::Interval& interval) override {
    if (interval.a < 0 || interval.b < interval.a) return {};
    auto begin = static_cast<std::size_t>(interval.a);
    auto end = std::min(static_cast<std::size_t>(interval.b) + 1, text_.size);
    if (begin >= end) return {};
    return std::string(text_.begin + begin, end - begin);
  }

 private:
  parse::SourceText text_;
};

/// An unbalanced `}` pops the lexer's empty mode stack; ANTLR would throw.
/// Staying in the default mode is right: the parser reports the `}`.
class FlowSafeLexer : public FlowLexer {
 public:
  using FlowLexer::FlowLexer;
  std::size_t popMode() override {
    if (modeStack.empty()) return mode;
    return FlowLexer::popMode();
  }
};

/// Reports syntax errors, at most one per source line so that one typo does
/// not produce a cascade. Shared by the token filter, the ANTLR error
/// strategy and the builder.
class SyntaxErrorLog {
 public:
  SyntaxErrorLog(DiagnosticEngine& diags, SourceText text) : diags_(diags), text_(text) {}
  /// Reports `message` at [begin, end) unless this line already has one;
  /// `note`, when given, is attached at `noteRange`.
  void report(std::size_t begin, std::size_t end, std::string message, SourceRange noteRange = {},
              std::string note = {});
  void reportInvalidLiteral(std::size_t begin, std::size_t end, std::string message,
                            DiagKind kind = DiagKind::InvalidLiteral);
  [[nodiscard]] bool hasErrors() const { return count_ > 0; }
  [[nodiscard]] const SourceText& text() const { return text_; }
  /// Where every syntax error was found, reported or not (a second one on a
  /// line is not printed but still marks its declaration as broken).
  [[nodiscard]] const std::vector<std::size_t>& offsets() const { return offsets_; }

 private:
  DiagnosticEngine& diags_;
  SourceText text_;
  std::vector<std::size_t> offsets_;
  std::unordered_set<unsigned> lines_;        // lines that already have a syntax error
  std::unordered_set<std::size_t> literals_;  // offsets of literals already reported
  unsigned count_ = 0;
};

/// Lexes the whole buffer and applies the newline rules (docs/language.md,
/// "Lexical rules"; see token_filter.cpp). Returns the tokens the parser sees,
/// EOF last. Returns an empty vector when the nesting limit was exceeded
/// (already reported). With `comments`, the comments go there, in order.
auto lexAndFilter(FlowLexer& lexer, SyntaxErrorLog& errors,
                  std::vector<std::unique_ptr<antlr4::Token>>* comments = nullptr)
    -> std::vector<std::unique_ptr<antlr4::Token>>;

/// Tokens after which a newline continues the statement (token_filter.cpp).
bool isContinuationToken(std::size_t type);

/// `+`, `==`, `&&` and the other infix operators (mistakes_tokens.cpp).
bool isBinaryOperator(std::size_t type);

/// Recognises the mistakes new users make most in the filtered tokens,
/// reports each once with its likely intent and repairs the tokens to what
/// was meant (see mistakes.cpp). Changes nothing in a valid program.
void repairMistakes(std::vector<std::unique_ptr<antlr4::Token>>& tokens, SyntaxErrorLog& errors);

/// Sets the hasSyntaxError flags of the module's declarations from the
/// offsets of the syntax errors (see parse.cpp).
void markSyntaxErrors(ast::Module& module, const SyntaxErrorLog& errors);

/// The error strategy of the second (full-LL) parse: ANTLR's recovery with
/// messages rewritten for users and sent to the SyntaxErrorLog.
auto makeErrorStrategy(SyntaxErrorLog& errors) -> std::shared_ptr<antlr4::ANTLRErrorStrategy>;

/// Turns the parse tree into the AST. Every node gets the SourceRange of its
/// text; missing pieces left by error recovery become placeholders
/// (ast::kErrorName) so the tree is always complete.
class AstBuilder {
 public:
  AstBuilder(SyntaxErrorLog& errors, antlr4::TokenStream& tokens)
      : errors_(errors), tokens_(tokens), text_(errors.text()) {}

  auto buildModule(Flow::ModuleContext* ctx) -> std::unique_ptr<ast::Module>;
  void buildTopDecl(Flow::TopDeclContext* ctx, ast::Module& module);

  // build_decls.cpp
  auto buildTypeDecl(Flow::TypeDeclContext* ctx) -> std::unique_ptr<ast::TypeDecl>;
  auto buildConstDecl(Flow::ConstDeclContext* ctx) -> std::unique_ptr<ast::ConstDecl>;
  auto buildExternBlock(Flow::ExternBlockContext* ctx) -> std::unique_ptr<ast::ExternBlock>;
  auto buildFnDecl(Flow::FnDeclContext* ctx) -> std::unique_ptr<ast::FnDecl>;
  auto buildFnParam(Flow::FnParamContext* ctx) -> ast::FnParam;
  auto buildPipeline(Flow::PipelineDeclContext* ctx) -> std::unique_ptr<ast::PipelineDecl>;
  auto buildTypeRef(Flow::TypeRefContext* ctx, SourceRange fallback) -> ast::TypeRef;
  void buildMember(Flow::MemberContext* ctx, ast::PipelineDecl& pipeline);
  auto buildStage(Flow::StageMemberContext* ctx) -> std::unique_ptr<ast::StageDecl>;
  auto buildAttr(Flow::StageAttrContext* ctx) -> std::optional<ast::StageAttr>;

  // build_tests.cpp
  auto buildTestDecl(Flow::TestDeclContext* ctx) -> std::unique_ptr<ast::TestDecl>;

  // build_stmts.cpp
  auto buildBlock(Flow::BlockContext* ctx, SourceRange fallback) -> ast::Block;
  auto buildStmt(Flow::StmtContext* ctx) -> ast::StmtPtr;
  auto buildIf(Flow::IfStmtContext* ctx) -> ast::StmtPtr;
  auto buildSimple(Flow::SimpleStmtContext* ctx) -> ast::StmtPtr;

  // build_exprs.cpp
  auto buildExpr(Flow::ExprContext* ctx, SourceRange fallback) -> ast::ExprPtr;
  auto buildPrimary(Flow::PrimaryContext* ctx) -> ast::ExprPtr;

  // build_literals.cpp
  auto buildInt(antlr4::Token* tok) -> ast::ExprPtr;
  auto buildFloat(antlr4::Token* tok) -> ast::ExprPtr;
  auto buildDuration(antlr4::Token* tok) -> ast::ExprPtr;
  auto buildString(Flow::StringLitContext* ctx) -> std::unique_ptr<ast::StringLit>;
  // build_format_spec.cpp: `:>10.2` → ast::FormatSpec; nullopt for an empty
  // spec (a `:` alone) or after reporting InvalidFormatSpec.
  auto buildFormatSpec(antlr4::Token* tok) -> std::optional<ast::FormatSpec>;

  // positions and placeholders (build_exprs.cpp)
  [[nodiscard]] bool isReal(const antlr4::Token* tok) const;
  [[nodiscard]] SourceRange rangeOf(const antlr4::Token* tok) const;
  [[nodiscard]] SourceRange rangeOf(antlr4::tree::TerminalNode* node) const;
  [[nodiscard]] SourceRange rangeOf(antlr4::ParserRuleContext* ctx) const;
  /// The identifier of `node`, or a placeholder named ast::kErrorName at
  /// `fallback` when error recovery left it missing.
  [[nodiscard]] auto ident(antlr4::tree::TerminalNode* node, SourceRange fallback) const -> ast::Ident;
  [[nodiscard]] static auto errorExpr(SourceRange range) -> ast::ExprPtr;
  void syntaxError(SourceRange range, std::string message, SourceRange noteRange = {}, std::string note = {});
  void invalidLiteral(SourceRange range, std::string message, DiagKind kind = DiagKind::InvalidLiteral);
  /// The grammar accepts `(item | sep)*`; this reports an item that is not
  /// preceded by a separator (a newline, `;`, `{`, or `,` when allowed).
  void checkSeparated(antlr4::ParserRuleContext* item, bool commaSeparates = false);
  [[nodiscard]] bool isSeparated(const antlr4::Token* first, bool commaSeparates = false);

 private:
  SyntaxErrorLog& errors_;
  antlr4::TokenStream& tokens_;
  SourceText text_;
  unsigned exprDepth_ = 0;  // current recursion depth of buildExpr
  bool reportedTooDeep_ = false;
};

/// `text` with control characters made visible, for messages.
[[nodiscard]] std::string printable(std::string_view text);
/// How a token is named in a message: "`)`", "keyword `in`", "end of line".
[[nodiscard]] std::string describeToken(const antlr4::Token* tok);

}  // namespace flow::parse
