// parse/build_format_spec.cpp — decodes the format spec of an interpolation
// (`"{price:>10.2}"`, the FORMAT_SPEC token the token filter made) into an
// ast::FormatSpec, with Rust's format! syntax restricted to what Flow
// supports:
//   spec  := [[fill] align] ['0'] [width] ['.' precision] [type]
//   fill  := any one character (UTF-8)     align := '<' | '^' | '>'
//   width, precision := decimal digits     type  := 'x' | 'X' | 'o' | 'b'
// A malformed spec is reported as InvalidFormatSpec with the caret on the
// first character that does not fit. Whether a spec suits the value's type
// (`{name:x}`) is sema's question.
#include <algorithm>
#include <cctype>
#include <string>

#include "parse/parse_internal.h"

namespace flow::parse {
namespace {

/// Widths and precisions above these are certainly typos; the runtime's
/// buffers are sized for them.
constexpr int kMaxWidth = 1000;
constexpr int kMaxPrecision = 100;

constexpr const char* kSyntax =
    "a spec has, each optional and in this order: a fill character and an alignment `<` `^` `>`, `0`, a "
    "width, `.precision`, a type `x` `X` `o` `b`; e.g. `{price:>10.2}`";

bool isAlign(char c) { return c == '<' || c == '^' || c == '>'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Bytes of the UTF-8 character starting at `s[i]` (1 for a stray byte).
std::size_t characterLength(std::string_view s, std::size_t i) {
  auto lead = static_cast<unsigned char>(s[i]);
  std::size_t n = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  return n;
}

}  // namespace

std::optional<ast::FormatSpec> AstBuilder::buildFormatSpec(antlr4::Token* tok) {
  SourceRange whole = rangeOf(tok);
  std::string raw = tok->getText();
  if (raw.empty() || raw.front() != ':' || !whole.isValid()) return std::nullopt;
  ast::FormatSpec spec;
  spec.text = raw.substr(1);
  const std::string& s = spec.text;
  const char* base = whole.begin.getPointer() + 1;  // where spec.text starts in the buffer
  spec.range = {llvm::SMLoc::getFromPointer(base), llvm::SMLoc::getFromPointer(base + s.size())};
  if (s.empty()) return std::nullopt;  // `{x:}` is `{x}`, as in Rust
  auto at = [&](std::size_t i, std::size_t n = 1) {
    return SourceRange{llvm::SMLoc::getFromPointer(base + i), llvm::SMLoc::getFromPointer(base + i + n)};
  };
  auto bad = [&](std::size_t i, const std::string& message) -> std::optional<ast::FormatSpec> {
    invalidLiteral(at(i, i < s.size() ? characterLength(s, i) : 0), message, DiagKind::InvalidFormatSpec);
    return std::nullopt;
  };
  auto number = [&](std::size_t& i, int max, const char* what) -> std::optional<int> {
    std::size_t start = i;
    long value = 0;
    while (i < s.size() && isDigit(s[i])) {
      value = std::min(value * 10 + (s[i] - '0'), 1000000L);
      ++i;
    }
    if (value > max) {
      invalidLiteral(at(start, i - start),
                     std::string(what) + " " + s.substr(start, i - start) + " is too large; at most " +
                         std::to_string(max),
                     DiagKind::InvalidFormatSpec);
      return std::nullopt;
    }
    return static_cast<int>(value);
  };

  std::size_t i = 0;
  std::size_t first = characterLength(s, 0);
  if (first < s.size() && isAlign(s[first])) {
    spec.fill = s.substr(0, first);
    spec.align = s[first];
    i = first + 1;
  } else if (isAlign(s[0])) {
    spec.align = s[0];
    i = 1;
  }
  if (i + 1 < s.size() && s[i] == '0' && isDigit(s[i + 1])) {
    if (spec.align != 0)
      return bad(i, "zero padding `0` cannot be combined with an alignment; write `{x:0" + s.substr(i + 1) +
                        "}` or `{x:" + s.substr(0, i) + s.substr(i + 1) + "}`");
    spec.zero = true;
    spec.zeroRange = at(i);
    ++i;
  }
  if (i < s.size() && isDigit(s[i])) {
    std::optional<int> width = number(i, kMaxWidth, "width");
    if (!width) return std::nullopt;
    spec.width = *width;
  }
  if (i < s.size() && s[i] == '.') {
    std::size_t dot = i++;
    if (i >= s.size() || !isDigit(s[i]))
      return bad(dot, "`.` in a format spec must be followed by the number of digits, e.g. `{x:.2}`");
    std::optional<int> precision = number(i, kMaxPrecision, "precision");
    if (!precision) return std::nullopt;
    spec.precision = *precision;
    spec.precisionRange = at(dot, i - dot);
  }
  if (i < s.size() && (s[i] == 'x' || s[i] == 'X' || s[i] == 'o' || s[i] == 'b')) {
    spec.type = s[i];
    spec.typeRange = at(i);
    ++i;
  }
  if (i == s.size()) return spec;
  std::string c = s.substr(i, characterLength(s, i));
  if (c == "f" || c == "e")
    return bad(i, "unknown format type `" + c +
                      "`; a float needs no type letter: `{x:.2}` prints two digits after the point");
  if (c == "d" || c == "s")
    return bad(i, "unknown format type `" + c + "`; without a type letter a value prints in its usual form");
  if (i + 1 == s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
    return bad(i, "unknown format type `" + c +
                      "`; the types are `x`, `X`, `o` and `b` (ints in hex, octal or binary)");
  if (c == " " && i == 0)
    return bad(i, "a space in a format spec is a fill character and must be followed by `<`, `^` or `>`");
  return bad(i, "unexpected `" + printable(c) + "` in format spec `" + printable(s) + "`; " + kSyntax);
}

}  // namespace flow::parse
