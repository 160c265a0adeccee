// parse/mistakes_stmts.cpp — the statement half of the MistakeScanner (see
// mistakes.h): habits from other languages in a body — `=` for `==` in a
// condition, `and`/`or`/`not`, `{` on the line after `if`, a three-part
// C/Go `for`, `x := 1`, `i++`, `elif`, `print "x"`, a `fn` declared inside a
// body — and a member keyword inside a body, which means a `}` was
// forgotten. Each is reported once with what Flow writes instead, and the
// tokens are rewritten to it.
#include <algorithm>

#include "parse/mistakes.h"

namespace flow::parse {
namespace {

bool endsStatement(std::size_t type) {
  return type == Flow::NL || type == Flow::SEMI || type == Flow::RBRACE || type == antlr4::Token::EOF;
}

}  // namespace

void MistakeScanner::statement() {
  std::size_t t = type(i_);
  bool lineStart = column(offset(i_)) == indentOfLine(offset(i_));
  bool inPipeline =
      std::any_of(stack_.begin(), stack_.end(), [](const Open& o) { return o.kind == Frame::Pipeline; });
  if (lineStart && inPipeline && isMemberKeyword(t)) return closeForgottenBraces(Frame::Pipeline);
  if (lineStart && column(offset(i_)) == 0 &&
      (t == Flow::PIPELINE || t == Flow::TYPE || t == Flow::CONST || t == Flow::EXTERN || t == Flow::FN))
    return closeForgottenBraces(Frame::Top);
  switch (t) {
    case Flow::IF:
      return condition(i_ + 1, "`if`", "the `if` block", true);
    case Flow::WHILE:
      return condition(i_ + 1, "`while`", "the `while` body", true);
    case Flow::FOR:
      if (!cStyleFor()) forHeader();
      return;
    case Flow::FINALLY: {
      std::size_t k = braceOnSameLine(i_ + 1, "`finally`");
      if (type(k) == Flow::LBRACE) markBody(k, "the `finally` block");
      return;
    }
    case Flow::FN:
      return nestedFunction();
    case Flow::LET:
    case Flow::VAR:
    case Flow::STATE: {
      const char* what = t == Flow::LET ? "a local" : t == Flow::VAR ? "a variable" : "a state variable";
      if (isKeyword(i_ + 1)) keywordAsName(i_ + 1, what);
      if (type(i_ + 1) == Flow::IDENT && type(i_ + 2) == Flow::COLON && type(i_ + 3) == Flow::ASSIGN) {
        error(i_ + 2, "`:=` is not Flow; write `" + text(i_) + " " + text(i_ + 1) + " = …`");
        erase(i_ + 2);
      }
      return;
    }
    case Flow::IDENT:
      break;
    default:
      return;
  }
  const std::string name = text(i_);
  if (type(i_ + 1) == Flow::COLON && type(i_ + 2) == Flow::ASSIGN) {
    // Go's short declaration.
    error(i_ + 1, "`:=` is not Flow; declare with `let " + name + " = …` (or `var " + name +
                      " = …` to change it later)");
    erase(i_ + 1);
    insert(i_, Flow::VAR, "var");
    return;
  }
  std::size_t op = type(i_ + 1);
  // The newline after `i++` was taken for a continuation (a line ending in
  // `+` goes on), so the statement also ends where the next line begins.
  bool nextLine = i_ + 3 < toks_.size() && column(offset(i_ + 3)) == indentOfLine(offset(i_ + 3)) &&
                  offset(i_ + 3) > offset(i_ + 2);
  if ((op == Flow::PLUS || op == Flow::MINUS) && type(i_ + 2) == op &&
      (nextLine || endsStatement(type(i_ + 3)))) {
    const std::string sign = op == Flow::PLUS ? "+" : "-";
    errorRange(i_ + 1, i_ + 2, "Flow has no `" + sign + sign + "`; write `" + name + " " + sign + "= 1`");
    setType(i_ + 1, op == Flow::PLUS ? Flow::PLUS_ASSIGN : Flow::MINUS_ASSIGN, sign + "=");
    setType(i_ + 2, Flow::INT, "1");
    if (!endsStatement(type(i_ + 3))) insert(i_ + 3, Flow::NL, "\n");
    return;
  }
  if ((name == "print" || name == "eprint") && type(i_ + 1) == Flow::STRING_START) {
    std::size_t end = skipGroup(i_ + 1);
    if (!endsStatement(type(end))) return;
    error(i_ + 1, "`" + name + "` is a function; call it with parentheses: `" + name + "(…)`");
    insert(end, Flow::RPAREN, ")");
    insert(i_ + 1, Flow::LPAREN, "(");
    return;
  }
  if (elseIfSpelling(i_)) return;
}

bool MistakeScanner::wordOperator(std::size_t i) {
  if (length(i) < 2 || length(i) > 3) return false;
  const std::string word = text(i);
  if (word != "and" && word != "or" && word != "not") return false;
  bool prefix = word == "not";
  if (!startsOperand(i + 1)) return false;
  if (prefix == (i > 0 && endsOperand(i - 1))) return false;
  const char* flow = word == "and" ? "&&" : word == "or" ? "||" : "!";
  error(i, "Flow writes `" + std::string(flow) + "`, not `" + word + "`");
  setType(i, word == "and" ? Flow::AND_AND : word == "or" ? Flow::OR_OR : Flow::NOT, flow);
  return true;
}

bool MistakeScanner::elseIfSpelling(std::size_t i) {
  if (length(i) < 4 || length(i) > 6) return false;
  const std::string word = text(i);
  if (word != "elif" && word != "elsif" && word != "elseif") return false;
  bool afterBlock = i > 0 && (type(i - 1) == Flow::RBRACE ||
                              (type(i - 1) == Flow::NL && i > 1 && type(i - 2) == Flow::RBRACE));
  if (!afterBlock || !startsOperand(i + 1)) return false;
  error(i, "Flow writes `else if`, not `" + word + "`");
  setType(i, Flow::ELSE, "else");
  insert(i + 1, Flow::IF, "if");
  return true;
}

void MistakeScanner::condition(std::size_t k, const std::string& keyword, const std::string& what,
                               bool comparisons) {
  bool assignReported = false;
  while (true) {
    std::size_t t = type(k);
    if (t == Flow::LPAREN || t == Flow::LBRACK || t == Flow::STRING_START) {
      k = skipGroup(k);
      continue;
    }
    if (t == Flow::LBRACE) {
      if (isRecordLiteral(k)) {
        k = skipGroup(k);
        continue;
      }
      markBody(k, what);
      return;
    }
    if (t == Flow::NL && type(k + 1) == Flow::LBRACE) {
      k = braceOnSameLine(k, keyword);
      continue;
    }
    if (endsStatement(t)) return;
    if (t == Flow::ASSIGN && comparisons && !assignReported) {
      error(k, "`=` assigns; did you mean `==`?");
      setType(k, Flow::EQ, "==");
      assignReported = true;
    }
    if (t == Flow::IDENT) wordOperator(k);
    ++k;
  }
}

void MistakeScanner::forHeader() {
  if (isKeyword(i_ + 1)) keywordAsName(i_ + 1, "a loop variable");
  condition(i_ + 1, "`for`", "the `for` body", false);
}

/// `for i := 0; i < n; i++ {` (Go), `for (i = 0; i < n; i++) {` (C): one
/// error saying how Flow writes the loop, and the header rewritten to
/// `for i in 0..n {` when it has that shape (to a placeholder otherwise).
bool MistakeScanner::cStyleFor() {
  std::size_t first = i_ + 1;
  std::size_t lbrace = 0;
  std::size_t stop = 0;  // one past the header's last token
  if (type(first) == Flow::LPAREN) {
    std::size_t after = skipGroup(first);
    if (type(after) != Flow::LBRACE) return false;
    lbrace = after;
    stop = after - 1;
    ++first;
  } else {
    std::size_t k = first;
    while (true) {
      std::size_t t = type(k);
      if (t == Flow::LBRACE) break;
      if (t == Flow::NL || t == Flow::RBRACE || t == antlr4::Token::EOF) return false;
      k = (t == Flow::LPAREN || t == Flow::LBRACK || t == Flow::STRING_START) ? skipGroup(k) : k + 1;
    }
    lbrace = k;
    stop = k;
  }
  // The three parts, split at `;` outside brackets.
  std::vector<std::size_t> semis;
  for (std::size_t k = first; k < stop;) {
    std::size_t t = type(k);
    if (t == Flow::SEMI) semis.push_back(k);
    k = (t == Flow::LPAREN || t == Flow::LBRACK || t == Flow::STRING_START) ? skipGroup(k) : k + 1;
  }
  std::size_t v = first;
  if (type(v) == Flow::LET || type(v) == Flow::VAR) ++v;
  bool declares = type(v) == Flow::IDENT && (type(v + 1) == Flow::ASSIGN ||
                                             (type(v + 1) == Flow::COLON && type(v + 2) == Flow::ASSIGN));
  if (semis.size() != 2 && !declares) return false;

  std::string var = type(v) == Flow::IDENT ? text(v) : "i";
  std::size_t initBegin = type(v + 1) == Flow::COLON ? v + 3 : v + 2;
  std::size_t initEnd = semis.empty() ? stop : semis[0];
  std::size_t condVar = semis.empty() ? stop : semis[0] + 1;
  std::size_t condEnd = semis.size() > 1 ? semis[1] : stop;
  std::size_t cmp = type(condVar + 1);
  bool shaped = declares && semis.size() == 2 && initBegin < initEnd && type(condVar) == Flow::IDENT &&
                text(condVar) == var && (cmp == Flow::LT || cmp == Flow::LE) && condVar + 2 < condEnd;

  Tokens header;
  auto copy = [&](std::size_t j) {
    const antlr4::Token* tok = toks_[j].get();
    auto c = std::make_unique<antlr4::CommonToken>(
        std::make_pair(tok->getTokenSource(), tok->getInputStream()), tok->getType(),
        antlr4::Token::DEFAULT_CHANNEL, tok->getStartIndex(), tok->getStopIndex());
    c->setText(tok->getText());
    header.push_back(std::move(c));
  };
  auto make = [&](std::size_t tokType, const std::string& tokText, std::size_t at) {
    const antlr4::Token* like = toks_[at].get();
    auto c = std::make_unique<antlr4::CommonToken>(
        std::make_pair(like->getTokenSource(), like->getInputStream()), tokType,
        antlr4::Token::DEFAULT_CHANNEL, like->getStartIndex(), like->getStartIndex());
    c->setText(tokText);
    header.push_back(std::move(c));
  };
  std::string suggestion;
  if (type(v) == Flow::IDENT)
    copy(v);
  else
    make(Flow::IDENT, var, first);
  make(Flow::IN, "in", first);
  if (shaped) {
    std::string lo = sourceText(initBegin, initEnd - 1);
    std::string hi = sourceText(condVar + 2, condEnd - 1);
    for (std::size_t j = initBegin; j < initEnd; ++j) copy(j);
    make(Flow::DOTDOT, "..", condVar);
    for (std::size_t j = condVar + 2; j < condEnd; ++j) copy(j);
    if (cmp == Flow::LE) {
      make(Flow::PLUS, "+", condEnd - 1);
      make(Flow::INT, "1", condEnd - 1);
      hi += " + 1";
    }
    suggestion = "write `for " + var + " in " + lo + ".." + hi + " {`";
  } else {
    make(Flow::INT, "0", first);
    make(Flow::DOTDOT, "..", first);
    make(Flow::INT, "0", first);
    suggestion =
        "loop over a range with `for " + var + " in 0..n { … }` (0 to n-1), or use `while cond { … }`";
  }
  errorRange(i_ + 1, lbrace - 1, "Flow has no three-part `for`; " + suggestion);
  erase(i_ + 1, lbrace - (i_ + 1));
  std::size_t at = i_ + 1;
  for (auto& tok : header) toks_.insert(toks_.begin() + static_cast<std::ptrdiff_t>(at++), std::move(tok));
  markBody(at, "the `for` body");
  return true;
}

void MistakeScanner::nestedFunction() {
  std::size_t k = i_ + 1;
  while (true) {
    std::size_t t = type(k);
    if (t == Flow::LBRACE) break;
    if (t == Flow::NL || t == Flow::SEMI || t == Flow::RBRACE || t == antlr4::Token::EOF) return;
    k = (t == Flow::LPAREN || t == Flow::LBRACK || t == Flow::STRING_START) ? skipGroup(k) : k + 1;
  }
  std::size_t end = skipGroup(k);
  error(i_, "a function cannot be declared inside a body; declare `fn` at the top level of the file");
  erase(i_, end - i_);
}

}  // namespace flow::parse
