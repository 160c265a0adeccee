// parse/mistakes_tokens.cpp — the MistakeScanner's view of the tokens (see
// mistakes.h): their types, texts and positions, lines and indentation, the
// edits a repair makes (retype, insert, erase), the errors it reports, and
// the loose skips over bracket groups and header expressions that let the
// walk find a statement's end without parsing it.
#include <algorithm>
#include <cstring>

#include "parse/mistakes.h"

namespace flow::parse {

bool isBinaryOperator(std::size_t type) {
  switch (type) {
    case Flow::PLUS:
    case Flow::MINUS:
    case Flow::STAR:
    case Flow::SLASH:
    case Flow::PERCENT:
    case Flow::AMP:
    case Flow::PIPE:
    case Flow::CARET:
    case Flow::SHL:
    case Flow::SHR:
    case Flow::EQ:
    case Flow::NE:
    case Flow::LT:
    case Flow::LE:
    case Flow::GT:
    case Flow::GE:
    case Flow::AND_AND:
    case Flow::OR_OR:
      return true;
    default:
      return false;
  }
}

bool isOpener(std::size_t type) {
  return type == Flow::LPAREN || type == Flow::LBRACK || type == Flow::LBRACE || type == Flow::INTERP_OPEN ||
         type == Flow::STRING_START;
}

bool isCloser(std::size_t type) {
  return type == Flow::RPAREN || type == Flow::RBRACK || type == Flow::RBRACE || type == Flow::STRING_END;
}

// ---------------------------------------------------------------- tokens

std::size_t MistakeScanner::type(std::size_t i) const {
  return i < toks_.size() ? toks_[i]->getType() : antlr4::Token::EOF;
}

std::string MistakeScanner::text(std::size_t i) const { return i < toks_.size() ? toks_[i]->getText() : ""; }

std::size_t MistakeScanner::length(std::size_t i) const {
  if (i >= toks_.size()) return 0;
  const antlr4::Token* tok = toks_[i].get();
  return tok->getStopIndex() >= tok->getStartIndex() ? tok->getStopIndex() - tok->getStartIndex() + 1 : 0;
}

bool MistakeScanner::isKeyword(std::size_t i) const {
  std::size_t t = type(i);
  return t != antlr4::Token::EOF && t >= Flow::TYPE && t < Flow::TRUE;
}

bool MistakeScanner::itemStart(std::size_t i) const {
  if (i == 0) return true;
  std::size_t prev = type(i - 1);
  return prev == Flow::NL || prev == Flow::SEMI || prev == Flow::LBRACE;
}

std::size_t MistakeScanner::offset(std::size_t i) const {
  if (i >= toks_.size()) return text_.size;
  std::size_t start = toks_[i]->getStartIndex();
  return start > text_.size ? text_.size : start;
}

std::size_t MistakeScanner::lineStart(std::size_t off) const {
  off = std::min(off, text_.size);
  auto after = [&](const void* nl) {
    return static_cast<std::size_t>(static_cast<const char*>(nl) - text_.begin) + 1;
  };
  if (off < memoOffset_) {  // backwards: the nearest newline before it
    const void* nl = off > 0 ? memrchr(text_.begin, '\n', off) : nullptr;
    return nl != nullptr ? after(nl) : 0;
  }
  const void* nl = off > memoOffset_ ? memrchr(text_.begin + memoOffset_, '\n', off - memoOffset_) : nullptr;
  if (nl != nullptr) memoLineStart_ = after(nl);
  memoOffset_ = off;
  return memoLineStart_;
}

std::size_t MistakeScanner::column(std::size_t off) const {
  return std::min(off, text_.size) - lineStart(off);
}

std::size_t MistakeScanner::indentOfLine(std::size_t off) const {
  std::size_t start = lineStart(off);
  std::size_t end = start;
  while (end < text_.size && (text_.begin[end] == ' ' || text_.begin[end] == '\t')) ++end;
  return end - start;
}

std::string MistakeScanner::sourceText(std::size_t first, std::size_t last) const {
  if (first > last || last >= toks_.size()) return {};
  std::size_t begin = offset(first);
  std::size_t end = std::min<std::size_t>(toks_[last]->getStopIndex() + 1, text_.size);
  if (end <= begin) return text(first);
  return std::string(text_.begin + begin, end - begin);
}

void MistakeScanner::setType(std::size_t i, std::size_t newType, const std::string& newText) {
  auto* tok = dynamic_cast<antlr4::CommonToken*>(toks_[i].get());
  if (tok == nullptr) return;
  tok->setType(newType);
  tok->setText(newText);
}

void MistakeScanner::insert(std::size_t i, std::size_t newType, const std::string& newText) {
  const antlr4::Token* like = toks_[std::min(i, toks_.size() - 1)].get();
  std::size_t at = offset(i);
  auto tok =
      std::make_unique<antlr4::CommonToken>(std::make_pair(like->getTokenSource(), like->getInputStream()),
                                            newType, antlr4::Token::DEFAULT_CHANNEL, at, at);
  tok->setText(newText);
  toks_.insert(toks_.begin() + static_cast<std::ptrdiff_t>(i), std::move(tok));
}

void MistakeScanner::erase(std::size_t i, std::size_t n) {
  // Never the final EOF: the parser needs it.
  n = std::min(n, toks_.size() - 1 - std::min(i, toks_.size() - 1));
  toks_.erase(toks_.begin() + static_cast<std::ptrdiff_t>(i),
              toks_.begin() + static_cast<std::ptrdiff_t>(i + n));
}

void MistakeScanner::error(std::size_t i, std::string message) { errorRange(i, i, std::move(message)); }

void MistakeScanner::errorRange(std::size_t first, std::size_t last, std::string message) {
  std::size_t begin = offset(first);
  std::size_t end = begin;
  if (last < toks_.size() && type(last) != Flow::NL && type(last) != antlr4::Token::EOF)
    end = std::max(begin, std::min<std::size_t>(toks_[last]->getStopIndex() + 1, text_.size));
  errors_.report(begin, end, std::move(message));
}

void MistakeScanner::errorWithNote(std::size_t i, std::string message, const antlr4::Token* noteAt,
                                   std::string note) {
  SourceRange noteRange;
  if (noteAt != nullptr && noteAt->getStartIndex() < text_.size) {
    std::size_t at = noteAt->getStartIndex();
    noteRange = {text_.loc(at), text_.loc(at + 1)};
  }
  std::size_t begin = offset(i);
  std::size_t end =
      type(i) == antlr4::Token::EOF ? begin : std::min<std::size_t>(toks_[i]->getStopIndex() + 1, text_.size);
  errors_.report(begin, std::max(begin, end), std::move(message), noteRange, std::move(note));
}

std::size_t MistakeScanner::skipGroup(std::size_t i) const {
  int depth = 0;
  for (std::size_t k = i; k < toks_.size(); ++k) {
    std::size_t t = type(k);
    if (t == antlr4::Token::EOF) return k;
    if (isOpener(t)) ++depth;
    if (isCloser(t) && --depth <= 0) return k + 1;
  }
  return toks_.size();
}

bool MistakeScanner::endsOperand(std::size_t i) const {
  switch (type(i)) {
    case Flow::IDENT:
    case Flow::INT:
    case Flow::FLOAT:
    case Flow::DURATION:
    case Flow::TRUE:
    case Flow::FALSE:
    case Flow::STRING_END:
    case Flow::RPAREN:
    case Flow::RBRACK:
      return true;
    default:
      return false;
  }
}

bool MistakeScanner::startsOperand(std::size_t i) const {
  switch (type(i)) {
    case Flow::IDENT:
    case Flow::INT:
    case Flow::FLOAT:
    case Flow::DURATION:
    case Flow::TRUE:
    case Flow::FALSE:
    case Flow::STRING_START:
    case Flow::LPAREN:
    case Flow::LBRACK:
    case Flow::MINUS:
    case Flow::NOT:
    case Flow::TILDE:
      return true;
    default:
      return false;
  }
}

std::size_t MistakeScanner::skipExpr(std::size_t k) const {
  while (true) {
    while (type(k) == Flow::MINUS || type(k) == Flow::NOT || type(k) == Flow::TILDE) ++k;
    std::size_t t = type(k);
    if (t == Flow::INT || t == Flow::FLOAT || t == Flow::DURATION || t == Flow::TRUE || t == Flow::FALSE ||
        t == Flow::IDENT)
      ++k;
    else if (t == Flow::LPAREN || t == Flow::LBRACK || t == Flow::STRING_START)
      k = skipGroup(k);
    else
      return k;
    while (true) {
      if (type(k) == Flow::DOT && type(k + 1) == Flow::IDENT)
        k += 2;
      else if (type(k) == Flow::LPAREN || type(k) == Flow::LBRACK)
        k = skipGroup(k);
      else
        break;
    }
    if (!isBinaryOperator(type(k))) return k;
    ++k;
  }
}

bool MistakeScanner::isRecordLiteral(std::size_t lbrace) const {
  if (lbrace == 0 || type(lbrace - 1) != Flow::IDENT) return false;
  std::size_t k = lbrace + 1;
  while (type(k) == Flow::NL) ++k;
  return type(k) == Flow::RBRACE || (type(k) == Flow::IDENT && type(k + 1) == Flow::COLON);
}

}  // namespace flow::parse
