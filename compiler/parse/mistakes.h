// parse/mistakes.h — private to compiler/parse/: the MistakeScanner that
// repairMistakes() runs (mistakes.cpp: the walk, declarations and stage
// headers; mistakes_stmts.cpp: statements; mistakes_tokens.cpp: token
// access and edits). It knows just enough structure
// (which `{` opens a pipeline, a body, a block or a record literal) to
// recognise a mistake only where it is unambiguous; everything else is left
// to the parser. Each repair reports one SyntaxError naming the likely intent
// and rewrites the tokens to what was meant, so the parser sees a
// well-formed program and says nothing more about it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "parse/parse_internal.h"

namespace flow::parse {

using Tokens = std::vector<std::unique_ptr<antlr4::Token>>;

class MistakeScanner {
 public:
  MistakeScanner(Tokens& tokens, SyntaxErrorLog& errors)
      : toks_(tokens), errors_(errors), text_(errors.text()) {}
  void run();

 private:
  /// What an open bracket is. Top is the file itself.
  enum class Frame { Top, Pipeline, Fields, Body, Expr };
  struct Open {
    Frame kind;
    const antlr4::Token* opener;  // null for Top
    std::size_t closer;           // RBRACE, RPAREN or RBRACK
    std::string what;             // "the `for` body", "the body of source `s`"
  };

  // ---- tokens (mistakes.cpp)
  [[nodiscard]] std::size_t type(std::size_t i) const;
  [[nodiscard]] std::string text(std::size_t i) const;
  /// The length of token i's text in the source, without copying it.
  [[nodiscard]] std::size_t length(std::size_t i) const;
  [[nodiscard]] bool isKeyword(std::size_t i) const;
  [[nodiscard]] bool itemStart(std::size_t i) const;
  [[nodiscard]] std::size_t offset(std::size_t i) const;
  [[nodiscard]] std::size_t lineStart(std::size_t offset) const;
  [[nodiscard]] std::size_t column(std::size_t offset) const;  // 0-based
  [[nodiscard]] std::size_t indentOfLine(std::size_t offset) const;
  [[nodiscard]] std::string sourceText(std::size_t first, std::size_t last) const;  // tokens [first, last]
  void setType(std::size_t i, std::size_t type, const std::string& text);
  /// Inserts a token of `type` before token i, at token i's position.
  void insert(std::size_t i, std::size_t type, const std::string& text);
  void erase(std::size_t i, std::size_t n = 1);
  void error(std::size_t i, std::string message);
  void errorRange(std::size_t first, std::size_t last, std::string message);
  void errorWithNote(std::size_t i, std::string message, const antlr4::Token* noteAt, std::string note);
  /// Index just past the bracket group opened at i (a `(`, `[`, `{`, or a
  /// string's opening quote), or the end of the tokens.
  [[nodiscard]] std::size_t skipGroup(std::size_t i) const;
  /// Index just past a header expression starting at i (a loose walk over
  /// operands and binary operators); i itself when none starts there.
  [[nodiscard]] std::size_t skipExpr(std::size_t i) const;
  [[nodiscard]] bool isRecordLiteral(std::size_t lbrace) const;
  [[nodiscard]] bool endsOperand(std::size_t i) const;
  [[nodiscard]] bool startsOperand(std::size_t i) const;

  // ---- the walk and declarations (mistakes.cpp)
  void step();
  void topItem();
  void member();
  void stageHeader();
  std::size_t nameList(std::size_t k, const std::string& stage);
  /// The attribute keyword a misspelled or foreign word stands for, or 0.
  [[nodiscard]] std::size_t attributeFor(std::size_t i) const;
  void keywordAsName(std::size_t i, const std::string& what);
  /// At a `{` expected on the line of `what`'s header: a newline before it is
  /// removed with one error. Returns the index of the `{` or of what is there.
  std::size_t braceOnSameLine(std::size_t k, const std::string& what);
  void markBody(std::size_t lbrace, std::string what);
  void closeForgottenBraces(Frame downTo);
  void recordLiteralFields(std::size_t ident);
  /// `{"k" = v}` in a map literal at lbrace: `=` written for `:`.
  void mapLiteralEntries(std::size_t lbrace);
  /// `name type` where `name: type` was meant (channels, params), and a
  /// channel type without its `[capacity]`.
  void memberType(std::size_t name, const std::string& decl);
  void reopenPipeline();

  // ---- statements (mistakes_stmts.cpp)
  void statement();
  /// The header of `if`/`while`/`for` from k to its block: a `{` on the next
  /// line; with `comparisons`, `=` written for `==`.
  void condition(std::size_t k, const std::string& keyword, const std::string& what, bool comparisons);
  bool cStyleFor();
  void forHeader();
  void nestedFunction();
  bool elseIfSpelling(std::size_t i);
  bool wordOperator(std::size_t i);

  Tokens& toks_;
  SyntaxErrorLog& errors_;
  SourceText text_;
  std::size_t i_ = 0;
  std::vector<Open> stack_;
  /// `{` tokens whose frame a header already decided (a body, a block).
  std::unordered_map<const antlr4::Token*, Open> openers_;
  /// Keywords the user chose as names: reported once where declared, then
  /// read as names wherever a keyword cannot stand.
  std::unordered_set<std::string> renamed_;
  std::unordered_set<std::string> typeNames_;
  /// A block closed by a `}` whose indentation matches an outer block: the
  /// likely block whose own `}` is missing.
  std::string suspect_;
  const antlr4::Token* suspectOpener_ = nullptr;
  /// The `}` that closed the last pipeline, kept while nothing else opened:
  /// a member keyword after it means some `}` before it was one too many.
  std::optional<Open> closedPipeline_;
  const antlr4::Token* closedBy_ = nullptr;
  /// The last `}` indented deeper than the line that opened its block: the
  /// likely extra one.
  const antlr4::Token* extraSuspect_ = nullptr;
  // lineStart's memo: the walk asks about offsets in increasing order, so a
  // long line is searched once, not once per statement on it.
  mutable std::size_t memoOffset_ = 0;
  mutable std::size_t memoLineStart_ = 0;
};

/// Token-type tests shared by the scanner's files.
bool isMemberKeyword(std::size_t type);
bool isOpener(std::size_t type);  // `(`, `[`, `{` or a string's opening quote
bool isCloser(std::size_t type);

}  // namespace flow::parse
