// parse/mistakes.cpp — the mistakes new users make most, recognised in the
// token stream before parsing (see mistakes.h): the walk over the tokens with
// its stack of open brackets, top-level declarations, pipeline members and
// stage headers (a misspelled attribute, `form` for `from`, a missing `->`, a
// trailing comma, a keyword used as a name, a `{` on the next line, a `}`
// forgotten before the next member). Statements are mistakes_stmts.cpp's.
//
// Every repair is reported as a SyntaxError whose offset lands inside the
// declaration, so sema skips that declaration (mark_errors.cpp): a repair
// only has to make the parse clean, never to guess the program exactly.
#include "parse/mistakes.h"

#include <algorithm>
#include <cstring>

namespace flow::parse {

bool isMemberKeyword(std::size_t type) {
  switch (type) {
    case Flow::PARAM:
    case Flow::DEADLINE:
    case Flow::MONITOR:
    case Flow::CHANNEL:
    case Flow::INPUT:
    case Flow::OUTPUT:
    case Flow::SOURCE:
    case Flow::STAGE:
    case Flow::SINK:
      return true;
    default:
      return false;
  }
}

namespace {

bool isAttributeKeyword(std::size_t type) {
  return type == Flow::WORKERS || type == Flow::TIMEOUT || type == Flow::RETRY || type == Flow::BACKOFF ||
         type == Flow::ON_ERROR || type == Flow::ORDERED;
}

std::string attributeWord(std::size_t type) {
  switch (type) {
    case Flow::WORKERS:
      return "workers";
    case Flow::TIMEOUT:
      return "timeout";
    case Flow::RETRY:
      return "retry";
    case Flow::BACKOFF:
      return "backoff";
    case Flow::ON_ERROR:
      return "on_error";
    default:
      return "ordered";
  }
}

bool isTopKeyword(std::size_t type) {
  return type == Flow::PIPELINE || type == Flow::TYPE || type == Flow::CONST || type == Flow::EXTERN;
}

/// Tokens after which a `{` can only open a map literal: where a value starts.
bool startsMapLiteral(std::size_t before) {
  switch (before) {
    case Flow::ASSIGN:
    case Flow::PLUS_ASSIGN:
    case Flow::MINUS_ASSIGN:
    case Flow::STAR_ASSIGN:
    case Flow::SLASH_ASSIGN:
    case Flow::EQ:
    case Flow::NE:
    case Flow::SEND:
    case Flow::COLON:
    case Flow::COMMA:
    case Flow::LPAREN:
    case Flow::LBRACK:
    case Flow::RETURN:
    case Flow::EMIT:
      return true;
    default:
      return false;
  }
}

}  // namespace

// ---------------------------------------------------------------- the walk

void MistakeScanner::run() {
  for (std::size_t k = 0; k + 1 < toks_.size(); ++k)
    if (type(k) == Flow::TYPE && type(k + 1) == Flow::IDENT) typeNames_.insert(text(k + 1));
  stack_.push_back({Frame::Top, nullptr, 0, "the file"});
  for (i_ = 0; i_ < toks_.size() && type(i_) != antlr4::Token::EOF;) {
    std::size_t before = toks_.size();
    if (itemStart(i_)) {
      switch (stack_.back().kind) {
        case Frame::Top:
          topItem();
          break;
        case Frame::Pipeline:
          member();
          break;
        case Frame::Body:
          statement();
          break;
        case Frame::Fields:
          if (isKeyword(i_) && type(i_ + 1) == Flow::COLON) keywordAsName(i_, "a field");
          break;
        case Frame::Expr:
          break;
      }
    }
    // A repair may have removed the token we stood on; look again.
    if (toks_.size() < before && (i_ >= toks_.size() || itemStart(i_))) continue;
    step();
  }
}

void MistakeScanner::step() {
  Frame frame = stack_.back().kind;
  if (!renamed_.empty() && isKeyword(i_) && renamed_.count(text(i_)) != 0 &&
      (frame == Frame::Body || frame == Frame::Expr)) {
    std::size_t t = type(i_);
    std::size_t p1 = i_ > 0 ? type(i_ - 1) : std::size_t{Flow::NL};
    std::size_t p2 = i_ > 1 ? type(i_ - 2) : std::size_t{Flow::NL};
    bool fits = itemStart(i_) ||
                (t == Flow::IN && p1 == Flow::IDENT && (p2 == Flow::FOR || p2 == Flow::COMMA)) ||
                (t == Flow::IF && p1 == Flow::ELSE) || (t == Flow::EMIT && p1 == Flow::TRY) ||
                (t == Flow::ELSE && (p1 == Flow::RBRACE || (p1 == Flow::NL && p2 == Flow::RBRACE)));
    if (!fits) setType(i_, Flow::IDENT, text(i_));
  }
  if (!renamed_.empty() && i_ > 0 && type(i_ - 1) == Flow::DOT && isKeyword(i_) &&
      renamed_.count(text(i_)) != 0)
    setType(i_, Flow::IDENT, text(i_));
  if (frame == Frame::Body || frame == Frame::Expr) {
    if (type(i_) == Flow::DOTDOT && type(i_ + 1) == Flow::DOT) {
      errorRange(i_, i_ + 1, "a range is written with two dots: `lo..hi` (from lo up to, not including, hi)");
      erase(i_ + 1);
    }
    if (type(i_) == Flow::IDENT) {
      wordOperator(i_);
      if (type(i_) == Flow::IDENT && frame == Frame::Body) elseIfSpelling(i_);
    }
    if (type(i_) == Flow::IDENT && typeNames_.count(text(i_)) != 0 && type(i_ + 1) == Flow::LBRACE)
      recordLiteralFields(i_);
    if (frame == Frame::Body && type(i_) == Flow::IF && i_ > 0 && type(i_ - 1) == Flow::ELSE)
      condition(i_ + 1, "`else if`", "the `else if` block", true);
    if (frame == Frame::Body && type(i_) == Flow::ELSE && type(i_ + 1) != Flow::IF) {
      std::size_t k = braceOnSameLine(i_ + 1, "`else`");
      if (type(k) == Flow::LBRACE) markBody(k, "the `else` block");
    }
  }

  const antlr4::Token* tok = toks_[i_].get();
  switch (type(i_)) {
    case Flow::LBRACE: {
      auto it = openers_.find(tok);
      if (it != openers_.end()) {
        stack_.push_back(it->second);
        break;
      }
      bool block = frame == Frame::Body && !isRecordLiteral(i_) && i_ > 0 &&
                   (endsOperand(i_ - 1) || type(i_ - 1) == Flow::ELSE || type(i_ - 1) == Flow::NL);
      if (!block && !isRecordLiteral(i_) && i_ > 0 && startsMapLiteral(type(i_ - 1))) mapLiteralEntries(i_);
      stack_.push_back(
          {block ? Frame::Body : Frame::Expr, tok, Flow::RBRACE, block ? "the block" : "the braces"});
      break;
    }
    case Flow::INTERP_OPEN:
      stack_.push_back({Frame::Expr, tok, Flow::RBRACE, "the interpolation"});
      break;
    case Flow::LPAREN:
      stack_.push_back({Frame::Expr, tok, Flow::RPAREN, "the parenthesis"});
      break;
    case Flow::LBRACK:
      stack_.push_back({Frame::Expr, tok, Flow::RBRACK, "the brackets"});
      break;
    case Flow::RPAREN:
    case Flow::RBRACK:
      if (stack_.size() > 1 && stack_.back().closer == type(i_)) stack_.pop_back();
      break;
    case Flow::RBRACE: {
      while (stack_.size() > 1 && stack_.back().closer != Flow::RBRACE) stack_.pop_back();
      if (stack_.size() <= 1) break;
      const Open& open = stack_.back();
      // A `}` first on its line, left of where its block's line starts: it
      // was written for an outer block, so this block's own `}` is missing.
      std::size_t at = offset(i_);
      bool firstOnLine = column(at) == indentOfLine(at);
      std::size_t openIndent = open.opener != nullptr ? indentOfLine(open.opener->getStartIndex()) : 0;
      if (open.kind == Frame::Body && open.opener != nullptr && firstOnLine && column(at) < openIndent) {
        suspect_ = open.what;
        suspectOpener_ = open.opener;
      }
      if (firstOnLine && open.kind != Frame::Pipeline && open.opener != nullptr && column(at) > openIndent)
        extraSuspect_ = tok;
      if (open.kind == Frame::Pipeline) {
        closedPipeline_ = open;
        closedBy_ = tok;
      }
      stack_.pop_back();
      break;
    }
    default:
      break;
  }
  ++i_;
}

void MistakeScanner::markBody(std::size_t lbrace, std::string what) {
  openers_[toks_[lbrace].get()] = {Frame::Body, toks_[lbrace].get(), Flow::RBRACE, std::move(what)};
}

void MistakeScanner::keywordAsName(std::size_t i, const std::string& what) {
  std::string word = text(i);
  error(i, "`" + word + "` is a keyword and cannot name " + what + "; choose another name");
  setType(i, Flow::IDENT, word);
  renamed_.insert(word);
}

std::size_t MistakeScanner::braceOnSameLine(std::size_t k, const std::string& what) {
  if (type(k) != Flow::NL || type(k + 1) != Flow::LBRACE) return k;
  error(k, "`{` must be on the same line as " + what + "; put it at the end of this line");
  erase(k);
  return k;
}

void MistakeScanner::closeForgottenBraces(Frame downTo) {
  std::size_t keep = stack_.size();
  while (keep > 0 && stack_[keep - 1].kind != downTo) --keep;
  if (keep == 0 || keep == stack_.size()) return;
  std::size_t missing = 0;
  for (std::size_t k = keep; k < stack_.size(); ++k)
    if (stack_[k].closer == Flow::RBRACE) ++missing;
  // Which `}` is missing: the block whose `}` went to an outer one, judging
  // by indentation, or else the innermost open one.
  std::string what = stack_.back().what;
  const antlr4::Token* opener = stack_.back().opener;
  if (!suspect_.empty()) {
    what = suspect_;
    opener = suspectOpener_;
  }
  std::string word = text(i_);
  errorWithNote(i_, "missing `}` before `" + word + "`: " + what + " is not closed", opener,
                what + " opens here");
  suspect_.clear();
  // `}` … `}` and a newline, so that `word` starts an item again.
  insert(i_, Flow::NL, "\n");
  for (std::size_t k = 0; k < missing; ++k) insert(i_, Flow::RBRACE, "}");
  // Nothing to close that is not a brace: the filter closed those already.
  while (stack_.size() > keep && stack_.back().closer != Flow::RBRACE) stack_.pop_back();
}

// ---------------------------------------------------------------- declarations

void MistakeScanner::reopenPipeline() {
  std::size_t j = i_;
  while (j > 0 && toks_[j].get() != closedBy_) --j;
  if (toks_[j].get() != closedBy_) return;
  // Report the `}` that looks extra by its indentation if there is one in
  // this pipeline, else the one that closed it; removing either gives the
  // same tokens.
  const antlr4::Token* shown = closedBy_;
  if (extraSuspect_ != nullptr && closedPipeline_->opener != nullptr &&
      extraSuspect_->getStartIndex() > closedPipeline_->opener->getStartIndex())
    shown = extraSuspect_;
  std::size_t at = shown->getStartIndex();
  errors_.report(at, at + 1,
                 "extra `}`: " + closedPipeline_->what + " ends too early because of it, but `" + text(i_) +
                     "` below still belongs to it");
  erase(j);
  --i_;
  stack_.push_back(*closedPipeline_);
  closedPipeline_.reset();
  extraSuspect_ = nullptr;
}

void MistakeScanner::memberType(std::size_t name, const std::string& decl) {
  if (type(name) != Flow::IDENT) return;
  std::size_t k = name + 1;
  if (type(k) == Flow::IDENT || type(k) == Flow::LBRACK) {
    error(k, "expected `:` between `" + text(name) + "` and its type: `" + decl + " " + text(name) + ": " +
                 text(k) + (type(k) == Flow::LBRACK ? "…" : "") + "`");
    insert(k, Flow::COLON, ":");
  }
  if (type(k) != Flow::COLON || decl == "param") return;
  // The element type, then the capacity.
  ++k;
  if (type(k) == Flow::IDENT)
    ++k;
  else if (type(k) == Flow::LBRACK || type(k) == Flow::LBRACE)
    k = skipGroup(k);
  else
    return;
  std::size_t t = type(k);
  if (t == Flow::NL || t == Flow::SEMI || t == Flow::RBRACE || t == Flow::OVERFLOW ||
      t == antlr4::Token::EOF) {
    error(k - 1, "channel `" + text(name) + "` needs a capacity: `" + sourceText(name + 2, k - 1) +
                     "[N]`, the items it can buffer (0 for none)");
    insert(k, Flow::RBRACK, "]");
    insert(k, Flow::INT, "0");
    insert(k, Flow::LBRACK, "[");
  }
}

void MistakeScanner::topItem() {
  std::size_t t = type(i_);
  if (isMemberKeyword(t) && closedPipeline_) {
    reopenPipeline();
    return member();
  }
  if (t == Flow::PIPELINE || t == Flow::TYPE || t == Flow::CONST || t == Flow::EXTERN || t == Flow::FN)
    closedPipeline_.reset();
  if (t != Flow::PIPELINE && t != Flow::TYPE && t != Flow::CONST && t != Flow::EXTERN && t != Flow::FN)
    return;
  if (t == Flow::EXTERN) {
    std::size_t k = type(i_ + 1) == Flow::STRING_START ? skipGroup(i_ + 1) : i_ + 1;
    k = braceOnSameLine(k, "`extern`");
    if (type(k) == Flow::LBRACE)
      openers_[toks_[k].get()] = {Frame::Fields, toks_[k].get(), Flow::RBRACE, "the extern block"};
    return;
  }
  const char* what = t == Flow::PIPELINE ? "a pipeline"
                     : t == Flow::TYPE   ? "a type"
                     : t == Flow::CONST  ? "a constant"
                                         : "a function";
  if (isKeyword(i_ + 1)) keywordAsName(i_ + 1, what);
  if (type(i_ + 1) != Flow::IDENT) return;
  std::string name = text(i_ + 1);
  std::size_t k = i_ + 2;
  if (t == Flow::CONST) return;
  if (t == Flow::FN) {
    if (type(k) == Flow::LPAREN) {
      // `fn f(key: string)`: a keyword as a parameter's name.
      std::size_t end = skipGroup(k);
      for (std::size_t p = k + 1; p + 1 < end; ++p)
        if (isKeyword(p) && type(p + 1) == Flow::COLON &&
            (type(p - 1) == Flow::LPAREN || type(p - 1) == Flow::COMMA))
          keywordAsName(p, "a parameter");
      k = end;
    }
    if (type(k) == Flow::ARROW) {
      ++k;
      if (type(k) == Flow::IDENT)
        ++k;
      else if (type(k) == Flow::LBRACK || type(k) == Flow::LBRACE)
        k = skipGroup(k);
    }
    k = braceOnSameLine(k, "`fn " + name + "`");
    if (type(k) == Flow::LBRACE) markBody(k, "the body of `" + name + "`");
    return;
  }
  std::string header = std::string(t == Flow::PIPELINE ? "`pipeline " : "`type ") + name + "`";
  k = braceOnSameLine(k, header);
  if (type(k) != Flow::LBRACE) return;
  openers_[toks_[k].get()] = {t == Flow::PIPELINE ? Frame::Pipeline : Frame::Fields, toks_[k].get(),
                              Flow::RBRACE, (t == Flow::PIPELINE ? "pipeline `" : "type `") + name + "`"};
}

void MistakeScanner::member() {
  suspect_.clear();
  std::size_t t = type(i_);
  if (t == Flow::CHANNEL || t == Flow::INPUT || t == Flow::OUTPUT) {
    if (isKeyword(i_ + 1)) keywordAsName(i_ + 1, "a channel");
    memberType(i_ + 1, text(i_));
  } else if (t == Flow::PARAM) {
    if (isKeyword(i_ + 1)) keywordAsName(i_ + 1, "a param");
    memberType(i_ + 1, "param");
  } else if (t == Flow::SOURCE || t == Flow::STAGE || t == Flow::SINK) {
    stageHeader();
  } else if (isTopKeyword(t) && column(offset(i_)) == 0) {
    closeForgottenBraces(Frame::Top);
  }
}

std::size_t MistakeScanner::attributeFor(std::size_t i) const {
  if (type(i) != Flow::IDENT) return 0;
  std::string word = text(i);
  static const std::vector<std::pair<const char*, std::size_t>> kAliases = {
      {"threads", Flow::WORKERS},     {"concurrency", Flow::WORKERS}, {"parallel", Flow::WORKERS},
      {"parallelism", Flow::WORKERS}, {"retries", Flow::RETRY},       {"onerror", Flow::ON_ERROR},
      {"on_failure", Flow::ON_ERROR}, {"on_fail", Flow::ON_ERROR},    {"order", Flow::ORDERED}};
  for (const auto& [alias, kw] : kAliases)
    if (word == alias) return kw;
  static const std::vector<std::string> kWords = {"workers", "timeout",  "retry",
                                                  "backoff", "on_error", "ordered"};
  std::string best = closestName(word, kWords);
  if (best == "workers") return Flow::WORKERS;
  if (best == "timeout") return Flow::TIMEOUT;
  if (best == "retry") return Flow::RETRY;
  if (best == "backoff") return Flow::BACKOFF;
  if (best == "on_error") return Flow::ON_ERROR;
  if (best == "ordered") return Flow::ORDERED;
  return 0;
}

std::size_t MistakeScanner::nameList(std::size_t k, const std::string& stage) {
  while (true) {
    if (isKeyword(k) && renamed_.count(text(k)) != 0) setType(k, Flow::IDENT, text(k));
    if (type(k) != Flow::IDENT) return k;
    ++k;
    if (type(k) != Flow::COMMA) return k;
    std::size_t next = type(k + 1);
    if (next == Flow::RPAREN || next == Flow::LBRACE || next == Flow::NL || next == Flow::ARROW ||
        isAttributeKeyword(next)) {
      error(k, "no channel follows this `,` in the header of `" + stage + "`; remove it");
      erase(k);
      return k;
    }
    ++k;
  }
}

void MistakeScanner::stageHeader() {
  const std::string kind = text(i_);
  std::size_t k = i_ + 1;
  if (isKeyword(k)) keywordAsName(k, "a " + kind);
  if (type(k) != Flow::IDENT) return;
  const std::string name = text(k);
  const std::string what = "the body of " + kind + " `" + name + "`";
  ++k;
  auto bail = [&](std::size_t from) {
    // Something this walk does not know (new syntax, or a mistake for the
    // parser to report): still find the body's `{` for the blocks inside.
    for (std::size_t j = from; j < toks_.size();) {
      std::size_t t = type(j);
      if (t == Flow::LBRACE) {
        markBody(j, what);
        return;
      }
      if (t == Flow::NL || t == Flow::SEMI || t == antlr4::Token::EOF || t == Flow::RBRACE) return;
      j = (t == Flow::LPAREN || t == Flow::LBRACK || t == Flow::STRING_START) ? skipGroup(j) : j + 1;
    }
  };
  if (type(k) == Flow::LPAREN) {
    ++k;
    if (isKeyword(k) && type(k) != Flow::FROM) keywordAsName(k, "the item of `" + name + "`");
    if (type(k) != Flow::IDENT) return bail(k);
    if (type(k + 1) == Flow::RPAREN || type(k + 1) == Flow::COMMA) {
      // `(a)`: the channel, but no name for the item the body sees.
      error(k, "name the item `" + name + "` receives: `(x from " + text(k) +
                   (type(k + 1) == Flow::COMMA ? ", …" : "") + ")`");
      insert(k, Flow::FROM, "from");
      insert(k, Flow::IDENT, "_");
      ++k;
    }
    ++k;
    if (type(k) != Flow::FROM) {
      static const std::vector<std::string> kFrom = {"from"};
      if (type(k) == Flow::IN || type(k) == Flow::COLON || type(k) == Flow::SEND) {
        error(k, "the inputs of `" + name + "` are written `(" + text(k - 1) +
                     " from a, b)`; expected `from`, not `" + text(k) + "`");
        setType(k, Flow::FROM, "from");
      } else if (type(k) == Flow::IDENT && !closestName(text(k), kFrom).empty()) {
        error(k, "unknown word `" + text(k) + "`; did you mean `from`?");
        setType(k, Flow::FROM, "from");
      } else if (type(k) == Flow::IDENT && (type(k + 1) == Flow::RPAREN || type(k + 1) == Flow::COMMA)) {
        error(k, "expected `from` between the item and its channels: `(" + text(k - 1) + " from " + text(k) +
                     ")`");
        insert(k, Flow::FROM, "from");
      } else {
        return bail(k);
      }
    }
    k = nameList(k + 1, name);
    if (type(k) != Flow::RPAREN) return bail(k);
    ++k;
  }
  if (type(k) == Flow::ARROW) {
    k = nameList(k + 1, name);
  } else if (kind != "sink" && type(k) == Flow::IDENT && attributeFor(k) == 0 &&
             (type(k + 1) == Flow::COMMA || type(k + 1) == Flow::LBRACE || isAttributeKeyword(type(k + 1)))) {
    error(k, "expected `->` before the outputs of `" + name + "`: `-> " + text(k) + "`");
    insert(k, Flow::ARROW, "->");
    k = nameList(k + 1, name);
  }
  while (true) {
    std::size_t t = type(k);
    if (t == Flow::NL && type(k + 1) == Flow::LBRACE) {
      k = braceOnSameLine(k, "the header of `" + name + "`");
      continue;
    }
    if (t == Flow::LBRACE) {
      markBody(k, what);
      return;
    }
    if (t == Flow::WORKERS || t == Flow::TIMEOUT) {
      std::size_t after = skipExpr(k + 1);
      if (after == k + 1) return bail(k);
      k = after;
    } else if (t == Flow::RETRY) {
      std::size_t after = skipExpr(k + 1);
      if (after == k + 1) return bail(k);
      k = after;
      if (type(k) == Flow::BACKOFF) k = skipExpr(k + 1);
    } else if (t == Flow::ON_ERROR) {
      ++k;
      if (type(k) == Flow::IDENT) {
        bool route = text(k) == "route";
        ++k;
        if (route && type(k) == Flow::IDENT) ++k;
      }
    } else if (t == Flow::ORDERED) {
      ++k;
    } else if (std::size_t kw = attributeFor(k); kw != 0) {
      const std::string word = attributeWord(kw);
      error(k, "unknown stage attribute `" + text(k) + "`; did you mean `" + word + "`?");
      setType(k, kw, word);
    } else {
      return bail(k);
    }
  }
}

void MistakeScanner::recordLiteralFields(std::size_t ident) {
  std::size_t lbrace = ident + 1;
  if (openers_.count(toks_[lbrace].get()) != 0) return;  // a block, by its header
  std::size_t end = skipGroup(lbrace);
  bool reported = false;
  std::size_t depth = 0;
  for (std::size_t k = lbrace + 1; k + 1 < end; ++k) {
    std::size_t t = type(k);
    if (isOpener(t)) ++depth;
    if (isCloser(t) && depth > 0) --depth;
    if (depth != 0 || t != Flow::IDENT || type(k + 1) != Flow::ASSIGN) continue;
    std::size_t prev = type(k - 1);
    if (prev != Flow::LBRACE && prev != Flow::COMMA && prev != Flow::NL) continue;
    if (!reported) {
      error(k + 1,
            "record fields are written `name: value`, not `=`: `" + text(ident) + "{" + text(k) + ": …}`");
      reported = true;
    }
    setType(k + 1, Flow::COLON, ":");
  }
}

void MistakeScanner::mapLiteralEntries(std::size_t lbrace) {
  std::size_t end = skipGroup(lbrace);
  bool reported = false;
  std::size_t depth = 0;
  std::size_t assign = 0;  // the entry's first `=` at its own level, if it has no `:`
  bool colon = false;
  for (std::size_t k = lbrace + 1; k < end; ++k) {
    std::size_t t = type(k);
    if (depth == 0 && (t == Flow::COMMA || k + 1 == end)) {
      // `{"b" = 2}`: the entry had `=` where its `:` goes.
      if (assign != 0 && !colon) {
        if (!reported) error(assign, "map entries are written `key: value`, not `key = value`");
        reported = true;
        setType(assign, Flow::COLON, ":");
      }
      assign = 0;
      colon = false;
      continue;
    }
    if (isOpener(t)) ++depth;
    if (isCloser(t) && depth > 0) --depth;
    if (depth != 0) continue;
    if (t == Flow::COLON) colon = true;
    if (t == Flow::ASSIGN && assign == 0) assign = k;
  }
}

void repairMistakes(Tokens& tokens, SyntaxErrorLog& errors) {
  if (tokens.empty()) return;
  MistakeScanner(tokens, errors).run();
}

}  // namespace flow::parse
