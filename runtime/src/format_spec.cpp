// format_spec.cpp — values formatted by a spec from an interpolation,
// `"{price:>10.2}"` (docs/language.md, "Functions, sorting, formatting and
// randomness"): width, fill and alignment on any value's printed form; zero
// padding, bases and fixed decimals on numbers; truncation of strings. The
// compiler validated the spec against the value's type, so nothing here
// fails. Width counts UTF-8 characters, not bytes.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "flow/format.h"

namespace flow::detail {
namespace {

/// UTF-8 characters in `s` (bytes that do not continue a sequence).
std::size_t characters(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

/// The first `count` UTF-8 characters of `s`.
std::string_view firstCharacters(std::string_view s, std::size_t count) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (seen++ == count) break;
  }
  return s.substr(0, i);
}

void appendFill(std::string& out, std::string_view fill, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) out += fill;
}

/// `text` padded to the spec's width; `numeric` picks right alignment as
/// the default and allows zero padding (after a leading `-`).
void appendPadded(std::string& out, std::string_view text, const FormatSpec& spec, bool numeric) {
  const std::size_t len = characters(text);
  const auto width = spec.width < 0 ? std::size_t{0} : static_cast<std::size_t>(spec.width);
  if (len >= width) {
    out += text;
    return;
  }
  const std::size_t pad = width - len;
  if (spec.zero && numeric) {
    const bool sign = !text.empty() && text.front() == '-';
    if (sign) out += '-';
    out.append(pad, '0');
    out += text.substr(sign ? 1 : 0);
    return;
  }
  char align = spec.align != 0 ? spec.align : numeric ? '>' : '<';
  const std::size_t before = align == '>' ? pad : align == '^' ? pad / 2 : 0;
  appendFill(out, spec.fill, before);
  out += text;
  appendFill(out, spec.fill, pad - before);
}

}  // namespace

void appendIntSpec(std::string& out, std::int64_t v, const FormatSpec& spec) {
  char buf[80];
  char* end = buf;
  int base = spec.type == 'x' || spec.type == 'X' ? 16 : spec.type == 'o' ? 8 : spec.type == 'b' ? 2 : 10;
  if (base == 10) {
    end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  } else {
    // As Rust prints a signed integer in another base: its two's complement.
    end = std::to_chars(buf, buf + sizeof buf, static_cast<std::uint64_t>(v), base).ptr;
    if (spec.type == 'X')
      for (char* p = buf; p != end; ++p)
        if (*p >= 'a' && *p <= 'f') *p = static_cast<char>(*p - 'a' + 'A');
  }
  appendPadded(out, std::string_view(buf, static_cast<std::size_t>(end - buf)), spec, /*numeric=*/true);
}

void appendFloatSpec(std::string& out, double v, const FormatSpec& spec) {
  std::string text;
  if (spec.precision >= 0 && std::isfinite(v)) {
    // Fixed notation: up to 309 integer digits, a sign, the point and the
    // (sema-bounded) fraction digits.
    char buf[320 + kMaxFormatPrecision];
    const int precision = spec.precision < kMaxFormatPrecision ? spec.precision : kMaxFormatPrecision;
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
    text.assign(buf, res.ptr);
  } else {
    appendFloat(text, v);
  }
  // Zero padding would turn `inf` into `00inf`: pad those with the fill.
  FormatSpec s = spec;
  if (!std::isfinite(v)) s.zero = false;
  appendPadded(out, text, s, /*numeric=*/true);
}

void appendStringSpec(std::string& out, std::string_view v, const FormatSpec& spec) {
  if (spec.precision >= 0) v = firstCharacters(v, static_cast<std::size_t>(spec.precision));
  appendPadded(out, v, spec, /*numeric=*/false);
}

void appendTextSpec(std::string& out, std::string_view printed, const FormatSpec& spec) {
  appendPadded(out, printed, spec, /*numeric=*/false);
}

}  // namespace flow::detail
