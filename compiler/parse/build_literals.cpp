// parse/build_literals.cpp — decodes literal tokens into AST values: ints
// (`1_000`, `0x1F`, range-checked to int64), floats, durations (exact decimal
// arithmetic to whole nanoseconds, so `0.1s` is exactly 100000000ns), and
// strings (escapes, `{{` `}}`, interpolated expressions). A malformed literal
// is reported as InvalidLiteral and decoded as 0 / empty so parsing goes on.
// Does not know types beyond the literal's own.
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

#include "parse/parse_internal.h"

namespace flow::parse {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

/// `_` may only separate digits (Go's rule): not first, not last, not doubled.
/// `digits` excludes any `0x` prefix. On success returns the digits alone.
std::optional<std::string> stripUnderscores(std::string_view digits) {
  if (digits.empty() || digits.front() == '_' || digits.back() == '_') return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (digits[i] != '_') {
      out += digits[i];
      continue;
    }
    if (digits[i + 1] == '_') return std::nullopt;
  }
  return out;
}

/// Decimal or hex digits to a non-negative int64; nullopt when out of range.
std::optional<std::int64_t> digitsToInt(std::string_view digits, unsigned base) {
  std::uint64_t value = 0;
  for (char c : digits) {
    unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
    if (value > (static_cast<std::uint64_t>(kInt64Max) - d) / base) return std::nullopt;
    value = value * base + d;
  }
  return static_cast<std::int64_t>(value);
}

/// A decimal number `mantissa × 10^exponent` as written: `1.5e3` is
/// {"15", 2}. Underscores already removed.
struct Decimal {
  std::string mantissa;
  long exponent = 0;
};

std::optional<Decimal> parseDecimal(std::string_view text) {
  Decimal d;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) d.mantissa += text[i];
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      d.mantissa += text[i];
      --d.exponent;
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    long e = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
      e = std::min(e * 10 + (text[i] - '0'), 100000L);
    d.exponent += negative ? -e : e;
  }
  if (i != text.size() || d.mantissa.empty()) return std::nullopt;
  return d;
}

enum class DurationError { None, Fraction, Range };

/// Whole nanoseconds of `d` units where one unit is 10^scale × factor ns.
DurationError decimalToNanoseconds(Decimal d, long scale, std::int64_t factor, std::int64_t& out) {
  std::size_t first = d.mantissa.find_first_not_of('0');
  if (first == std::string::npos) {
    out = 0;
    return DurationError::None;
  }
  std::string digits = d.mantissa.substr(first);
  long shift = d.exponent + scale;
  if (shift < 0) {
    // The digits shifted out must all be zeros, or there is a fraction of a ns.
    auto drop = static_cast<std::size_t>(-shift);
    if (drop >= digits.size()) return DurationError::Fraction;
    if (digits.find_first_not_of('0', digits.size() - drop) != std::string::npos)
      return DurationError::Fraction;
    digits.resize(digits.size() - drop);
  } else {
    if (digits.size() + static_cast<std::size_t>(shift) > 19) return DurationError::Range;
    digits.append(static_cast<std::size_t>(shift), '0');
  }
  std::optional<std::int64_t> value = digitsToInt(digits, 10);
  if (!value || *value > kInt64Max / factor) return DurationError::Range;
  out = *value * factor;
  return DurationError::None;
}

}  // namespace

ast::ExprPtr AstBuilder::buildInt(antlr4::Token* tok) {
  SourceRange range = rangeOf(tok);
  std::string text = tok->getText();
  bool hex = text.size() > 1 && (text[1] == 'x' || text[1] == 'X');
  std::optional<std::string> digits = stripUnderscores(std::string_view(text).substr(hex ? 2 : 0));
  if (!digits) {
    invalidLiteral(range, "invalid integer literal `" + text + "`; `_` may only separate digits");
    return std::make_unique<ast::IntLit>(0, range);
  }
  std::optional<std::int64_t> value = digitsToInt(*digits, hex ? 16 : 10);
  if (!value) {
    invalidLiteral(range,
                   "integer literal `" + text + "` is out of range; the largest int is 9223372036854775807");
    return std::make_unique<ast::IntLit>(0, range);
  }
  return std::make_unique<ast::IntLit>(*value, range);
}

ast::ExprPtr AstBuilder::buildFloat(antlr4::Token* tok) {
  SourceRange range = rangeOf(tok);
  std::string text = tok->getText();
  std::string spelling;
  // Validate `_` in each run of digits (mantissa, fraction, exponent).
  bool ok = true;
  std::size_t runStart = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    bool digitish = i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '_');
    if (digitish) continue;
    if (i > runStart && !stripUnderscores(std::string_view(text).substr(runStart, i - runStart))) ok = false;
    runStart = i + 1;
  }
  for (char c : text)
    if (c != '_') spelling += c;
  double value = 0;
  auto [end, ec] = std::from_chars(spelling.data(), spelling.data() + spelling.size(), value);
  if (!ok || ec == std::errc::invalid_argument || end != spelling.data() + spelling.size()) {
    invalidLiteral(range, "invalid float literal `" + text + "`; `_` may only separate digits");
    return std::make_unique<ast::FloatLit>(0.0, "0.0", range);
  }
  if (ec == std::errc::result_out_of_range) {
    invalidLiteral(range, "float literal `" + text + "` is out of range");
    return std::make_unique<ast::FloatLit>(0.0, "0.0", range);
  }
  return std::make_unique<ast::FloatLit>(value, spelling, range);
}

ast::ExprPtr AstBuilder::buildDuration(antlr4::Token* tok) {
  SourceRange range = rangeOf(tok);
  std::string text = tok->getText();
  struct Unit {
    const char* suffix;
    long scale;           // 10^scale ns …
    std::int64_t factor;  // … times this
  };
  static const Unit units[] = {{"ns", 0, 1}, {"us", 3, 1}, {"ms", 6, 1},
                               {"s", 9, 1},  {"m", 9, 60}, {"h", 9, 3600}};
  const Unit* unit = nullptr;
  for (const Unit& u : units) {
    std::string_view suffix = u.suffix;
    if (text.size() > suffix.size() && std::string_view(text).substr(text.size() - suffix.size()) == suffix) {
      unit = &u;
      break;
    }
  }
  std::string number = unit ? text.substr(0, text.size() - std::string_view(unit->suffix).size()) : text;
  std::string plain;
  bool ok = unit != nullptr;
  std::size_t runStart = 0;
  for (std::size_t i = 0; i <= number.size(); ++i) {
    bool digitish = i < number.size() && ((number[i] >= '0' && number[i] <= '9') || number[i] == '_');
    if (digitish) continue;
    if (i > runStart && !stripUnderscores(std::string_view(number).substr(runStart, i - runStart)))
      ok = false;
    runStart = i + 1;
  }
  for (char c : number)
    if (c != '_') plain += c;
  std::optional<Decimal> decimal = parseDecimal(plain);
  if (!ok || !decimal) {
    invalidLiteral(range, "invalid duration literal `" + text + "`; `_` may only separate digits");
    return std::make_unique<ast::DurationLit>(0, range);
  }
  std::int64_t ns = 0;
  switch (decimalToNanoseconds(*decimal, unit->scale, unit->factor, ns)) {
    case DurationError::None:
      return std::make_unique<ast::DurationLit>(ns, range);
    case DurationError::Fraction:
      invalidLiteral(range, "duration `" + text + "` is not a whole number of nanoseconds");
      break;
    case DurationError::Range:
      invalidLiteral(range,
                     "duration `" + text + "` is out of range; the longest duration is about 292 years");
      break;
  }
  return std::make_unique<ast::DurationLit>(0, range);
}

std::unique_ptr<ast::StringLit> AstBuilder::buildString(Flow::StringLitContext* ctx) {
  auto str = std::make_unique<ast::StringLit>(rangeOf(ctx));
  std::string text;
  bool hasText = false;
  auto flush = [&] {
    if (!hasText) return;
    str->pieces.push_back({std::move(text), nullptr, std::nullopt});
    text.clear();
    hasText = false;
  };
  for (Flow::StringPartContext* part : ctx->stringPart()) {
    if (auto* c = dynamic_cast<Flow::StrTextContext*>(part)) {
      std::string piece = c->getText();
      if (std::size_t nul = piece.find('\0'); nul != std::string::npos) {
        // Invisible in an editor, and easy to lose on the way: say so.
        std::size_t at = c->getStart()->getStartIndex() + nul;
        invalidLiteral({text_.loc(at), text_.loc(at + 1)},
                       "a NUL byte inside a string literal; write `\\0` if you mean it");
      }
      text += piece;
      hasText = true;
    } else if (auto* c = dynamic_cast<Flow::StrEscapeContext*>(part)) {
      std::string esc = c->getText();
      char e = esc.size() == 2 ? esc[1] : '\\';
      text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == '0' ? '\0' : e;
      hasText = true;
    } else if (dynamic_cast<Flow::StrLBraceContext*>(part)) {
      text += '{';
      hasText = true;
    } else if (dynamic_cast<Flow::StrRBraceContext*>(part)) {
      text += '}';
      hasText = true;
    } else if (auto* c = dynamic_cast<Flow::StrBadContext*>(part)) {
      std::string bad = c->getText();
      if (bad == "}")
        invalidLiteral(rangeOf(part), "single `}` in a string; write `\\}` (or `}}`) for a literal brace");
      else
        invalidLiteral(rangeOf(part),
                       "unknown escape `" + printable(bad) +
                           "` in a string; the escapes are \\n, \\t, \\r, \\0, \\\\, \\\", \\{ and \\}");
    } else if (auto* c = dynamic_cast<Flow::StrInterpContext*>(part)) {
      flush();
      str->pieces.push_back({std::string(), buildExpr(c->expr(), rangeOf(part)), std::nullopt});
      if (antlr4::tree::TerminalNode* spec = c->FORMAT_SPEC())
        str->pieces.back().spec = buildFormatSpec(spec->getSymbol());
    }
  }
  flush();
  if (str->pieces.empty()) str->pieces.push_back({std::string(), nullptr, std::nullopt});
  return str;
}

}  // namespace flow::parse
