// parse/token_filter.cpp — between the ANTLR lexer and the parser: applies the
// newline rules (docs/language.md, "Lexical rules") so the grammar sees NL only
// where a statement ends, reports the lexical errors (bad characters,
// unterminated strings and comments) so the lexer itself never reports
// anything, rejects nesting deep enough to overflow the parser's stack, and
// turns a keyword right after `.` into the field name it must be
// (`f.stage`). Does not parse: it only tracks which brackets are open.
//
// The newline rules: an NL is dropped when it is
//   - inside ( ) or [ ] (the innermost open bracket decides, so a block
//     `{ … }` inside a call's parentheses still has statement newlines),
//   - right after a token that cannot end a statement (a binary operator,
//     `,`, `=` and the compound assignments, `<-`, `->`, `.`, `..`, `!`, `~`),
//   - at the start of the file or right after another NL (runs collapse).
// A block comment that spans lines counts as an NL; a `//` comment is
// dropped (the newline after it stays). Both kinds reach the parser's
// caller through `comments` when it asks (flowc fmt, editors).
//
// Format specs: a `:` directly inside an interpolation (the innermost open
// bracket is the interpolation's `{`) starts `"{price:>10.2}"`'s spec. The
// filter takes the raw text up to the next `}` (or the end of the line or
// string) as one FORMAT_SPEC token and moves the lexer there, since a spec
// like `*>6` or ` ^9` is not made of Flow tokens.
//
// Strings are single-line: a newline inside a string, or inside one of its
// `{…}` interpolations, ends the string with an error. The filter then pops
// the lexer's modes itself and hands the parser synthetic closing tokens, so
// the rest of the file is lexed as code again instead of as string text, and
// the parser sees one well-formed string (see unterminatedString).
#include <string>

#include "parse/parse_internal.h"

namespace flow::parse {

bool isContinuationToken(std::size_t type) {
  switch (type) {
    case FlowLexer::PLUS:
    case FlowLexer::MINUS:
    case FlowLexer::STAR:
    case FlowLexer::SLASH:
    case FlowLexer::PERCENT:
    case FlowLexer::AMP:
    case FlowLexer::PIPE:
    case FlowLexer::CARET:
    case FlowLexer::SHL:
    case FlowLexer::SHR:
    case FlowLexer::EQ:
    case FlowLexer::NE:
    case FlowLexer::LT:
    case FlowLexer::LE:
    case FlowLexer::GT:
    case FlowLexer::GE:
    case FlowLexer::AND_AND:
    case FlowLexer::OR_OR:
    case FlowLexer::ASSIGN:
    case FlowLexer::PLUS_ASSIGN:
    case FlowLexer::MINUS_ASSIGN:
    case FlowLexer::STAR_ASSIGN:
    case FlowLexer::SLASH_ASSIGN:
    case FlowLexer::SEND:
    case FlowLexer::ARROW:
    case FlowLexer::DOT:
    case FlowLexer::DOTDOT:
    case FlowLexer::COMMA:
    case FlowLexer::NOT:
    case FlowLexer::TILDE:
    case FlowLexer::NL:
      return true;
    default:
      return false;
  }
}

namespace {

bool isPrefixOperator(std::size_t type) {
  return type == FlowLexer::MINUS || type == FlowLexer::NOT || type == FlowLexer::TILDE;
}

/// One open bracket. `pushesMode` says whether the lexer pushed a mode for it
/// (`{`, an interpolation's `{`, and a string's `"` do; `(` and `[` do not).
struct Open {
  enum Kind { Paren, Bracket, Brace, Interp, String } kind;
  std::size_t offset;    // of the opening character
  std::size_t outIndex;  // where its token is in the output
  [[nodiscard]] bool pushesMode() const { return kind == Brace || kind == Interp || kind == String; }
};

/// A UTF-8 character starting at `p` (for messages about a bad character).
std::string characterAt(const SourceText& text, std::size_t offset) {
  auto byte = static_cast<unsigned char>(text.begin[offset]);
  std::size_t len = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
  if (offset + len > text.size) len = 1;
  for (std::size_t i = 1; i < len; ++i)
    if ((static_cast<unsigned char>(text.begin[offset + i]) & 0xC0) != 0x80) len = 1;
  return std::string(text.begin + offset, len);
}

class TokenFilter {
 public:
  TokenFilter(FlowLexer& lexer, SyntaxErrorLog& errors, std::vector<std::unique_ptr<antlr4::Token>>* comments)
      : lexer_(lexer), errors_(errors), text_(errors.text()), comments_(comments) {}

  auto run() -> std::vector<std::unique_ptr<antlr4::Token>> {
    while (true) {
      std::unique_ptr<antlr4::Token> tok = lexer_.nextToken();
      std::size_t type = tok->getType();
      if (type == antlr4::Token::EOF) {
        closeStringsAtEof();
        foldFailedLiterals();
        out_.push_back(std::move(tok));
        return std::move(out_);
      }
      if (!handle(std::move(tok))) return {};
    }
  }

 private:
  /// Returns false when the input must be rejected (too deep).
  bool handle(std::unique_ptr<antlr4::Token> tok) {
    std::size_t type = tok->getType();
    std::size_t start = tok->getStartIndex();
    switch (type) {
      case FlowLexer::LINE_COMMENT:
        if (comments_ != nullptr) comments_->push_back(std::move(tok));
        return true;
      case FlowLexer::BLOCK_COMMENT:
        if (tok->getText().find('\n') != std::string::npos) newline(start);
        if (comments_ != nullptr) comments_->push_back(std::move(tok));
        return true;
      case FlowLexer::UNTERMINATED_COMMENT:
        errors_.report(start, start + 2, "unterminated comment; `/*` has no matching `*/`");
        return true;
      case FlowLexer::ERROR_CHAR: {
        std::string ch = characterAt(text_, start);
        std::string hint;
        if (ch == "'") hint = "; strings are written in double quotes: \"text\"";
        if (ch == "\\" && insideInterpolation())
          hint =
              "; a `{` in a string starts an interpolation, which holds code up to its `}`: "
              "write `\\{` and `\\}` for literal braces";
        errors_.report(start, start + ch.size(), "unexpected character `" + printable(ch) + "`" + hint);
        // It stood where something was meant to be: a newline after it ends
        // the statement even if the token before it was an operator.
        prevType_ = FlowLexer::IDENT;
        return true;
      }
      case FlowLexer::STR_UNTERMINATED:
        // The lexer already popped the STR mode of the innermost string.
        unterminatedString(start, /*lexerPoppedInnermost=*/true);
        newline(start);
        return true;
      case FlowLexer::NL:
        if (insideString()) {
          unterminatedString(start, /*lexerPoppedInnermost=*/false);
          newline(start);
          return true;
        }
        newline(start);
        return true;
      case FlowLexer::COLON:
        if (!stack_.empty() && stack_.back().kind == Open::Interp) {
          formatSpec(start);
          return true;
        }
        break;
      default:
        break;
    }
    if (prevType_ == FlowLexer::DOT && isKeyword(type)) {
      // After `.` only a field name can follow, so a keyword there is one:
      // `f.stage` reads the `stage` field of a Failed<T>.
      static_cast<antlr4::CommonToken*>(tok.get())->setType(FlowLexer::IDENT);
      type = FlowLexer::IDENT;
    }
    if (newlineInParens_ != kNone && startsStatementOnly(type)) {
      // `print(x` and the next line starts a statement: the `(` was never
      // closed. Close it at the end of its line and end the statement there.
      closeBracketsAt(newlineInParens_, "at the end of this line");
      out_.push_back(synthesize(FlowLexer::NL, newlineInParens_, 0, "\n"));
      prevType_ = FlowLexer::NL;
    }
    newlineInParens_ = kNone;
    if (!track(type, start)) return false;
    prevType_ = type;
    out_.push_back(std::move(tok));
    return true;
  }

  /// Keywords come first in FlowLexer.g4, right before TRUE (see there).
  static bool isKeyword(std::size_t type) { return type >= FlowLexer::TYPE && type < FlowLexer::TRUE; }

  /// Keywords that only start a statement or a member: never inside ( ) or [ ].
  static bool startsStatementOnly(std::size_t type) {
    switch (type) {
      case FlowLexer::LET:
      case FlowLexer::VAR:
      case FlowLexer::STATE:
      case FlowLexer::IF:
      case FlowLexer::FOR:
      case FlowLexer::WHILE:
      case FlowLexer::BREAK:
      case FlowLexer::CONTINUE:
      case FlowLexer::RETURN:
      case FlowLexer::EMIT:
      case FlowLexer::TRY:
      case FlowLexer::FAIL:
      case FlowLexer::FINALLY:
      case FlowLexer::SOURCE:
      case FlowLexer::STAGE:
      case FlowLexer::SINK:
      case FlowLexer::CHANNEL:
      case FlowLexer::PARAM:
      case FlowLexer::PIPELINE:
        return true;
      default:
        return false;
    }
  }

  /// Closes every `(` and `[` open inside the innermost block with
  /// synthesized tokens at `offset`, reporting the outermost one: one
  /// forgotten `)` is one error, and the parser sees a complete expression.
  void closeBracketsAt(std::size_t offset, const std::string& where) {
    if (stack_.empty() || stack_.back().pushesMode()) return;
    std::size_t first = stack_.size();
    while (first > 0 && !stack_[first - 1].pushesMode()) --first;
    const Open outer = stack_[first];
    bool paren = outer.kind == Open::Paren;
    bool call = paren && outer.outIndex > 0 && out_[outer.outIndex - 1]->getType() == FlowLexer::IDENT;
    std::string what = call ? "the call" : paren ? "the parenthesis" : "the list";
    SourceRange note{text_.loc(outer.offset), text_.loc(outer.offset + 1)};
    errors_.report(offset, offset,
                   std::string("expected `") + (paren ? ")" : "]") + "` to close " + what + " " + where, note,
                   what + " opens here");
    while (stack_.size() > first) {
      bool p = stack_.back().kind == Open::Paren;
      out_.push_back(synthesize(p ? FlowLexer::RPAREN : FlowLexer::RBRACK, offset, 0, p ? ")" : "]"));
      stack_.pop_back();
    }
  }

  /// The `:spec` of an interpolation, from the `:` at `colon` up to (not
  /// including) the `}` that closes it, a `"` or a line end; the lexer goes
  /// on from there.
  void formatSpec(std::size_t colon) {
    std::size_t end = colon + 1;
    while (end < text_.size && text_.begin[end] != '}' && text_.begin[end] != '"' && text_.begin[end] != '\n')
      ++end;
    out_.push_back(synthesize(FlowLexer::FORMAT_SPEC, colon, end - colon,
                              std::string(text_.begin + colon, end - colon)));
    lexer_.getInputStream()->seek(end);
    prevType_ = FlowLexer::FORMAT_SPEC;
  }

  void newline(std::size_t offset) {
    if (!stack_.empty() && (stack_.back().kind == Open::Paren || stack_.back().kind == Open::Bracket)) {
      if (newlineInParens_ == kNone) newlineInParens_ = offset;
      return;
    }
    if (out_.empty() || isContinuationToken(prevType_)) return;
    out_.push_back(synthesize(FlowLexer::NL, offset, 0, "\n"));
    prevType_ = FlowLexer::NL;
    unaryRun_ = 0;
  }

  /// Whether the innermost open string-ish bracket is a `{` interpolation.
  [[nodiscard]] bool insideInterpolation() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->kind == Open::Interp) return true;
      if (it->kind == Open::String) return false;
    }
    return false;
  }

  /// Updates the bracket stack for `type`; false when nesting is too deep.
  bool track(std::size_t type, std::size_t offset) {
    unaryRun_ = isPrefixOperator(type) ? unaryRun_ + 1 : 0;
    switch (type) {
      case FlowLexer::LPAREN:
        stack_.push_back({Open::Paren, offset, out_.size()});
        break;
      case FlowLexer::LBRACK:
        stack_.push_back({Open::Bracket, offset, out_.size()});
        break;
      case FlowLexer::LBRACE:
        stack_.push_back({Open::Brace, offset, out_.size()});
        break;
      case FlowLexer::INTERP_OPEN:
        stack_.push_back({Open::Interp, offset, out_.size()});
        break;
      case FlowLexer::STRING_START:
        stack_.push_back({Open::String, offset, out_.size()});
        break;
      case FlowLexer::RPAREN:
        close(Open::Paren);
        break;
      case FlowLexer::RBRACK:
        close(Open::Bracket);
        break;
      case FlowLexer::RBRACE:
        // `print("x" }`: the `)` was forgotten before the block's `}`.
        if (!stack_.empty() && !stack_.back().pushesMode()) closeBracketsAt(offset, "before `}`");
        close(Open::Brace);
        break;
      case FlowLexer::STRING_END:
        close(Open::String);
        break;
      default:
        break;
    }
    if (stack_.size() <= kMaxNesting && unaryRun_ <= kMaxNesting) return true;
    errors_.report(offset, offset + 1,
                   "nesting is too deep; at most " + std::to_string(kMaxNesting) +
                       " levels of brackets, blocks and prefix operators are allowed");
    return false;
  }

  /// Pops the bracket that `kind` closes. `)` and `]` only pop their own kind
  /// (a stray one is the parser's to report); `}` closes a block or an
  /// interpolation, as the lexer's popMode did.
  void close(Open::Kind kind) {
    if (stack_.empty()) return;
    Open::Kind top = stack_.back().kind;
    bool matches = kind == top || (kind == Open::Brace && top == Open::Interp);
    if (matches) {
      stack_.pop_back();
      return;
    }
    // `f(x}`: the `}` still popped the lexer's mode; drop the brackets the
    // user forgot so the filter stays in step with the lexer.
    if (kind == Open::Brace) {
      while (!stack_.empty() && !stack_.back().pushesMode()) stack_.pop_back();
      if (!stack_.empty() && stack_.back().kind != Open::String) stack_.pop_back();
    }
  }

  [[nodiscard]] bool insideString() const {
    for (const Open& o : stack_)
      if (o.kind == Open::String) return true;
    return false;
  }

  /// A newline inside a string (or its interpolation): report once, then
  /// replace everything lexed since the outermost open `"` by one plain
  /// string of the raw text, so the parser sees a well-formed literal and
  /// reports nothing more about it. Resynchronizes the lexer's mode stack
  /// with ours, and closes brackets opened earlier on the line.
  void unterminatedString(std::size_t offset, bool lexerPoppedInnermost) {
    std::size_t outer = stack_.size();
    for (std::size_t i = 0; i < stack_.size(); ++i)
      if (stack_[i].kind == Open::String) {
        outer = i;
        break;
      }
    if (outer == stack_.size()) return;
    Open quote = stack_[outer];
    errors_.report(quote.offset, offset,
                   "unterminated string literal; a string must end on the line it starts");
    bool poppedByLexer = !lexerPoppedInnermost;  // true once the lexer's own pop is accounted for
    while (stack_.size() > outer) {
      Open o = stack_.back();
      stack_.pop_back();
      if (!o.pushesMode()) continue;
      if (o.kind == Open::String && !poppedByLexer) {
        poppedByLexer = true;  // STR_UNTERMINATED already left this mode
        continue;
      }
      lexer_.popMode();
    }
    out_.resize(quote.outIndex);
    out_.push_back(synthesize(FlowLexer::STRING_START, quote.offset, 1, "\""));
    std::string raw(text_.begin + quote.offset + 1, offset - quote.offset - 1);
    // `emit "text }`: the `}` at the end of the line closes the block the
    // string is in, as the user meant; it is not part of the string.
    std::size_t openBlocks = 0;
    for (const Open& o : stack_)
      if (o.kind == Open::Brace) ++openBlocks;
    std::size_t closers = 0;
    while (closers < openBlocks && raw.find('{') == std::string::npos) {
      std::size_t end = raw.find_last_not_of(" \t\r");
      if (end == std::string::npos || raw[end] != '}' || (end > 0 && raw[end - 1] == '}')) break;
      raw.resize(end);
      ++closers;
    }
    if (!raw.empty()) out_.push_back(synthesize(FlowLexer::STR_TEXT, quote.offset + 1, raw.size(), raw));
    out_.push_back(synthesize(FlowLexer::STRING_END, offset, 0, "\""));
    // `print("oops)`: the `)` was inside the string; close the call here so
    // the statement ends with the line and the next line parses normally.
    std::size_t lineStart = quote.offset;
    while (lineStart > 0 && text_.begin[lineStart - 1] != '\n') --lineStart;
    while (!stack_.empty() && !stack_.back().pushesMode() && stack_.back().offset >= lineStart) {
      bool paren = stack_.back().kind == Open::Paren;
      out_.push_back(synthesize(paren ? FlowLexer::RPAREN : FlowLexer::RBRACK, offset, 0, paren ? ")" : "]"));
      stack_.pop_back();
    }
    prevType_ = FlowLexer::STRING_END;
    for (std::size_t k = 0; k < closers; ++k) {
      close(Open::Brace);
      lexer_.popMode();
      out_.push_back(synthesize(FlowLexer::RBRACE, offset, 0, "}"));
      prevType_ = FlowLexer::RBRACE;
    }
  }

  /// `Failed<Order>{item: o, …}` in an expression: a Failed<T> is made by
  /// `on_error route`, never built in code, and its field `stage` is a
  /// keyword, so the parser would report the literal piecemeal and lose the
  /// body after it. The whole literal becomes one name token `Failed`
  /// spanning it, which sema reports once (checkName). In a type, `Failed<T>`
  /// follows `:` or `->`, or is not followed by `{`.
  void foldFailedLiterals() {
    for (std::size_t i = 0; i < out_.size(); ++i) {
      const antlr4::Token& name = *out_[i];
      if (name.getType() != FlowLexer::IDENT || name.getText() != "Failed") continue;
      if (i > 0 && (out_[i - 1]->getType() == FlowLexer::COLON || out_[i - 1]->getType() == FlowLexer::ARROW))
        continue;
      if (i + 1 >= out_.size() || out_[i + 1]->getType() != FlowLexer::LT) continue;
      std::size_t j = i + 2;
      int angles = 1;
      for (; j < out_.size() && angles > 0; ++j) {
        const std::size_t t = out_[j]->getType();
        if (t == FlowLexer::LT) ++angles;
        if (t == FlowLexer::GT) --angles;
        if (t != FlowLexer::LT && t != FlowLexer::GT && t != FlowLexer::IDENT && t != FlowLexer::COMMA &&
            t != FlowLexer::LBRACK && t != FlowLexer::RBRACK)
          break;
      }
      if (angles != 0 || j >= out_.size() || out_[j]->getType() != FlowLexer::LBRACE) continue;
      std::size_t end = j;
      for (int braces = 0; end < out_.size(); ++end) {
        const std::size_t t = out_[end]->getType();
        if (t == FlowLexer::LBRACE || t == FlowLexer::INTERP_OPEN) ++braces;
        if (t == FlowLexer::RBRACE && --braces == 0) break;
      }
      if (end >= out_.size()) continue;  // unbalanced: left to the parser's own report
      const std::size_t from = name.getStartIndex();
      const std::size_t to = out_[end]->getStopIndex() + 1;
      std::unique_ptr<antlr4::Token> folded = synthesize(FlowLexer::IDENT, from, to - from, "Failed");
      out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(i + 1),
                 out_.begin() + static_cast<std::ptrdiff_t>(end + 1));
      out_[i] = std::move(folded);
    }
  }

  void closeStringsAtEof() {
    for (const Open& o : stack_)
      if (o.kind == Open::String) {
        errors_.report(o.offset, text_.size,
                       "unterminated string literal; a string must end on the line it starts");
        return;
      }
  }

  auto synthesize(std::size_t type, std::size_t offset, std::size_t length, const std::string& text)
      -> std::unique_ptr<antlr4::Token> {
    // A real source matters: ANTLR's recovery builds "missing" tokens from
    // the previous token's source and input stream.
    auto tok = std::make_unique<antlr4::CommonToken>(std::make_pair(&lexer_, lexer_.getInputStream()), type,
                                                     antlr4::Token::DEFAULT_CHANNEL, offset,
                                                     length == 0 ? offset : offset + length - 1);
    tok->setText(text);
    return tok;
  }

  FlowLexer& lexer_;
  SyntaxErrorLog& errors_;
  SourceText text_;
  std::vector<std::unique_ptr<antlr4::Token>>* comments_;  // may be null: nobody asked
  std::vector<std::unique_ptr<antlr4::Token>> out_;
  std::vector<Open> stack_;
  std::size_t prevType_ = FlowLexer::NL;
  static constexpr std::size_t kNone = ~std::size_t{0};
  std::size_t newlineInParens_ = kNone;  // a newline dropped inside ( ) or [ ] just before
  unsigned unaryRun_ = 0;
};

}  // namespace

auto lexAndFilter(FlowLexer& lexer, SyntaxErrorLog& errors,
                  std::vector<std::unique_ptr<antlr4::Token>>* comments)
    -> std::vector<std::unique_ptr<antlr4::Token>> {
  return TokenFilter(lexer, errors, comments).run();
}

}  // namespace flow::parse
