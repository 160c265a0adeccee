// format/format.cpp — formatBuffer(): parses the file (only to report syntax
// errors: a file that does not parse is never rewritten), takes its tokens
// with their roles (parse/layout.h) and prints them with the canonical
// layout (docs/fmt.md):
//   - the line breaks are the author's: a token that started a line still
//     does, except `else` (always on the line of what precedes it) and a
//     `;` ending a line or a block (dropped: the line end separates); and a
//     block is either on one line or its `{` ends a line and its `}` starts
//     one, as in Go;
//   - runs of blank lines become one; none at the start or end of the file,
//     after a line that opens a bracket or before one that closes it;
//   - each line is indented two spaces per level: one level inside each
//     bracket opened on an earlier line (several opened on one line count
//     once), and one more on a line that continues a statement (the line
//     before ended in an operator, `=`, `,`, …); a line that starts with a
//     closing bracket goes back to the level of the line that opened it;
//   - inside a line, one space or none between two tokens, decided by their
//     roles alone (spaceBetween);
//   - comments stay where they were; trailing `//` comments on consecutive
//     lines of one level line up two spaces after the longest code.
// The layout depends only on the tokens and where lines break, both of
// which it keeps, so formatting is idempotent.
#include "format/format.h"

#include <algorithm>

#include "parse/layout.h"
#include "parse/parse.h"

namespace flow::format {
namespace {

using layout::Role;
using layout::Token;

bool isOpener(Role r) {
  return r == Role::ParenOpen || r == Role::BracketOpen || r == Role::BlockOpen || r == Role::LiteralOpen ||
         r == Role::InterpOpen || r == Role::TypeArgOpen;
}

bool isCloser(Role r) {
  return r == Role::ParenClose || r == Role::BracketClose || r == Role::BlockClose ||
         r == Role::LiteralClose || r == Role::InterpClose || r == Role::TypeArgClose;
}

bool isComment(Role r) { return r == Role::LineComment || r == Role::BlockComment; }

/// Whether one space separates `prev` and `cur` on one line.
bool spaceBetween(Role prev, Role cur) {
  if (isComment(cur) || isComment(prev)) return true;
  switch (prev) {
    case Role::ParenOpen:
    case Role::BracketOpen:
    case Role::LiteralOpen:
    case Role::TypeArgOpen:
    case Role::Dot:
    case Role::Range:
    case Role::Prefix:
    case Role::StringOpen:
    case Role::StringText:
    case Role::InterpOpen:
      return false;
    default:
      break;
  }
  switch (cur) {
    case Role::ParenClose:
    case Role::BracketClose:
    case Role::LiteralClose:
    case Role::TypeArgOpen:
    case Role::TypeArgClose:
    case Role::Comma:
    case Role::Semicolon:
    case Role::Colon:
    case Role::Dot:
    case Role::Range:
    case Role::StringText:
    case Role::StringClose:
    case Role::InterpOpen:
    case Role::InterpClose:
    case Role::FormatSpec:
      return false;
    case Role::ParenOpen:  // a call, a stage header, `fn f(`: glued to the name
      return prev != Role::Word;
    case Role::BracketOpen:  // an index or a capacity: glued to what it follows
      return prev != Role::Word && prev != Role::ParenClose && prev != Role::BracketClose &&
             prev != Role::LiteralClose && prev != Role::TypeArgClose && prev != Role::StringClose;
    case Role::LiteralOpen:  // `Job{`
      return prev != Role::Word;
    case Role::BlockClose:  // `{}`
      return prev != Role::BlockOpen;
    default:
      return true;
  }
}

class Printer {
 public:
  Printer(std::string_view text, const std::vector<Token>& tokens) : text_(text), tokens_(tokens) {}

  std::string print() {
    findMultiLineBlocks();
    for (std::size_t i = 0; i < tokens_.size(); ++i) place(i);
    alignTrailingComments();
    std::string out;
    for (const Line& line : lines_) {
      if (line.blankBefore) out += '\n';
      out.append(2 * static_cast<std::size_t>(line.level), ' ');
      out += line.code;
      if (!line.comment.empty()) {
        out.append(line.code.empty() ? 0 : std::max<std::size_t>(1, line.commentColumn - line.code.size()),
                   ' ');
        out += line.comment;
      }
      out += '\n';
    }
    return out;
  }

 private:
  struct Line {
    int level = 0;
    std::string code;
    std::string comment;  // a trailing `//` comment, or the whole line's
    bool blankBefore = false;
    bool endsWithOpener = false;
    std::size_t commentColumn = 0;  // where a trailing comment starts (alignTrailingComments)
  };
  struct Open {
    Role role;
    int level;  // of the line it was opened on
  };

  std::string_view textOf(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }

  int newlinesBetween(std::size_t from, std::size_t to) const {
    if (to <= from) return 0;
    return static_cast<int>(std::count(text_.begin() + from, text_.begin() + to, '\n'));
  }

  /// A `;` whose statement the line end (or the block's end) closes anyway.
  bool isRedundantSemicolon(std::size_t i) const {
    if (i + 1 >= tokens_.size()) return true;
    const Token& next = tokens_[i + 1];
    if (newlinesBetween(tokens_[i].end, next.begin) > 0) return true;
    return next.role == Role::LineComment || next.role == Role::BlockClose;
  }

  /// Marks each block `{` whose `}` is on a later line of the text.
  void findMultiLineBlocks() {
    multiLine_.assign(tokens_.size(), false);
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      if (isComment(tokens_[i].role)) continue;
      if (isOpener(tokens_[i].role)) open.push_back(i);
      if (!isCloser(tokens_[i].role) || open.empty()) continue;
      const std::size_t o = open.back();
      open.pop_back();
      if (tokens_[o].role == Role::BlockOpen && newlinesBetween(tokens_[o].end, tokens_[i].begin) > 0)
        multiLine_[o] = multiLine_[i] = true;
    }
  }

  /// The level of a new line starting with `t`.
  int levelFor(const Token& t) const {
    if (isCloser(t.role) && !stack_.empty()) return stack_.back().level;
    int level = stack_.empty() ? 0 : stack_.back().level + 1;
    if (lastCode_ != nullptr && lastCode_->continues && continuesHere(*lastCode_)) ++level;
    return level;
  }

  /// Whether a line break after `last` (which continues the statement) is
  /// a continuation line: at statement level, yes; inside ( ) and [ ] the
  /// brackets already indent; inside a literal `{ }` a `,` separates items.
  bool continuesHere(const Token& last) const {
    if (stack_.empty() || stack_.back().role == Role::BlockOpen) return true;
    if (stack_.back().role == Role::LiteralOpen) return last.role != Role::Comma;
    return false;
  }

  void place(std::size_t i) {
    const Token& t = tokens_[i];
    if (t.role == Role::Semicolon && isRedundantSemicolon(i)) return;  // prevEnd_ stays: its newlines count
    const int newlines = lines_.empty() ? 0 : newlinesBetween(prevEnd_, t.begin);
    prevEnd_ = t.end;
    const std::string_view text = textOf(t);
    const bool joinsElse =
        t.role == Role::Keyword && text == "else" && lastCode_ != nullptr && !commentSinceCode_;
    // A multi-line block: nothing after its `{` on that line but a comment,
    // nothing before its `}` on that line.
    const bool forced = (breakAfterBlock_ && !isComment(t.role)) ||
                        (multiLine_[i] && t.role == Role::BlockClose && lastPlaced_ != nullptr);
    breakAfterBlock_ = breakAfterBlock_ && isComment(t.role) && newlines == 0;
    if (lines_.empty() || (newlines > 0 && !joinsElse) || forced) {
      Line line;
      line.level = levelFor(t);
      line.blankBefore =
          newlines > 1 && !lines_.empty() && !lines_.back().endsWithOpener && !isCloser(t.role);
      lines_.push_back(std::move(line));
      lastPlaced_ = nullptr;
    }
    Line& line = lines_.back();
    if (t.role == Role::LineComment) {
      line.comment = trimRight(text);
      lastPlaced_ = &t;
      commentSinceCode_ = true;
      return;
    }
    if (lastPlaced_ != nullptr && spaceBetween(lastPlaced_->role, t.role)) line.code += ' ';
    if (t.role == Role::BlockComment)
      appendWithoutCarriageReturns(line.code, text);  // the file's line ends become `\n`
    else
      line.code += text;
    lastPlaced_ = &t;
    commentSinceCode_ = t.role == Role::BlockComment;
    if (commentSinceCode_) return;
    lastCode_ = &t;
    if (isOpener(t.role)) stack_.push_back({t.role, line.level});
    if (t.role == Role::BlockOpen && multiLine_[i]) breakAfterBlock_ = true;
    if (isCloser(t.role) && !stack_.empty()) stack_.pop_back();
    line.endsWithOpener = isOpener(t.role);
  }

  static void appendWithoutCarriageReturns(std::string& out, std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s[i] != '\r' || i + 1 >= s.size() || s[i + 1] != '\n') out += s[i];
  }

  static std::string trimRight(std::string_view s) {
    std::size_t end = s.find_last_not_of(" \t\r");
    return std::string(s.substr(0, end == std::string_view::npos ? 0 : end + 1));
  }

  /// Trailing comments on consecutive lines of one level, with no blank
  /// line between, start in one column: two spaces after the longest code.
  void alignTrailingComments() {
    std::size_t i = 0;
    while (i < lines_.size()) {
      if (!hasTrailingComment(lines_[i])) {
        ++i;
        continue;
      }
      std::size_t j = i + 1;
      while (j < lines_.size() && hasTrailingComment(lines_[j]) && !lines_[j].blankBefore &&
             lines_[j].level == lines_[i].level)
        ++j;
      std::size_t width = 0;
      for (std::size_t k = i; k < j; ++k) width = std::max(width, lines_[k].code.size());
      for (std::size_t k = i; k < j; ++k) lines_[k].commentColumn = width + 2;
      i = j;
    }
  }

  static bool hasTrailingComment(const Line& line) {
    return !line.code.empty() && !line.comment.empty() && line.code.find('\n') == std::string::npos;
  }

  std::string_view text_;
  const std::vector<Token>& tokens_;
  std::vector<Line> lines_;
  std::vector<Open> stack_;
  const Token* lastCode_ = nullptr;    // the last token placed that is not a comment
  const Token* lastPlaced_ = nullptr;  // the last token placed on the current line
  std::size_t prevEnd_ = 0;            // where the last placed token ends in the text
  bool commentSinceCode_ = false;      // a comment was placed after lastCode_
  std::vector<bool> multiLine_;        // per token: a block brace whose block spans lines
  bool breakAfterBlock_ = false;       // the last code token opened a multi-line block
};

}  // namespace

auto formatBuffer(unsigned bufferId, DiagnosticEngine& diags) -> std::optional<std::string> {
  llvm::SourceMgr& sources = diags.sourceMgr();
  const unsigned errorsBefore = diags.errorCount();
  (void)parseModule(bufferId, diags);
  if (diags.errorCount() > errorsBefore) return std::nullopt;
  std::optional<std::vector<Token>> tokens = layout::layoutTokens(sources, bufferId);
  if (!tokens) return std::nullopt;
  const llvm::MemoryBuffer* buffer = sources.getMemoryBuffer(bufferId);
  return Printer({buffer->getBufferStart(), buffer->getBufferSize()}, *tokens).print();
}

}  // namespace flow::format
