// flow/format.h — how values print (docs/language.md, "Types and values") and
// line-atomic output. format(out, v) appends v as print() shows it (strings
// bare); format_nested(out, v) appends v as it appears inside a list or record
// (strings quoted). Records print through a `flow_format(std::string&, const
// R&)` overload that generated code declares next to the struct, found by ADL.
// print/eprint write one whole line with a single write so lines of different
// workers never interleave. fmt(v, spec) lays a value out by an
// interpolation's format spec (`"{price:>10.2}"`). Does not parse values
// (builtins.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace flow {

/// Longest precision a FormatSpec may carry (flowc rejects longer ones).
inline constexpr int kMaxFormatPrecision = 100;

/// A format spec `[[fill]align][0][width][.precision][type]` as flowc
/// decoded and type-checked it (docs/language.md, "Functions, sorting,
/// formatting and randomness").
struct FormatSpec {
  std::string_view fill = " ";  // one UTF-8 character (a string literal)
  char align = 0;               // 0: ints and floats right, everything else left; or '<' '^' '>'
  bool zero = false;            // ints and floats: pad with zeros after the sign
  int width = -1;               // in UTF-8 characters; -1: none
  int precision = -1;           // floats: digits after the point; strings: at most that many characters
  char type = 0;                // ints: 'x' 'X' 'o' 'b' (two's complement, as Rust); 0: decimal
};

/// A value and the spec to print it with; built by fmt() inside one
/// concat() call, so the reference outlives it.
template <class T>
struct Formatted {
  const T& value;
  FormatSpec spec;
};
template <class T>
[[nodiscard]] Formatted<T> fmt(const T& value, FormatSpec spec) {
  return {value, spec};
}

namespace detail {
void appendIntSpec(std::string& out, std::int64_t v, const FormatSpec& spec);
void appendFloatSpec(std::string& out, double v, const FormatSpec& spec);
void appendStringSpec(std::string& out, std::string_view v, const FormatSpec& spec);
/// Any other value, already printed: width, fill and alignment only.
void appendTextSpec(std::string& out, std::string_view printed, const FormatSpec& spec);
template <class T>
struct IsFormatted : std::false_type {};
template <class T>
struct IsFormatted<Formatted<T>> : std::true_type {};
}  // namespace detail

namespace detail {
void appendInt(std::string& out, std::int64_t v);
void appendUInt(std::string& out, std::uint64_t v);
/// Shortest form that reads back to the same double (std::to_chars).
void appendFloat(std::string& out, double v);
/// Go's time.Duration.String(): 1.5s, 250ms, 2m0s, 1h0m0s, 0s, 1µs.
void appendDuration(std::string& out, std::chrono::nanoseconds d);
/// A double-quoted string with Go-style escapes.
void appendQuoted(std::string& out, std::string_view s);
/// Writes `line` + '\n' to stdout / stderr in one call.
void writeLine(std::string_view line, bool toStderr);
/// Test hook: while set, writeLine() hands lines to `sink` instead (under a
/// mutex, so the sink needs no locking of its own). Null restores stdio.
using LineSink = void (*)(std::string_view line, bool toStderr, void* user);
void setLineSink(LineSink sink, void* user) noexcept;
/// A live status line on stderr (`--progress`, a terminal): drawn as
/// "\r" + text + erase-to-end-of-line. While one is shown, every line
/// writeLine() prints erases it first and redraws it after, so output
/// never lands on top of it. An empty `text` erases it for good.
void setStatusLine(std::string_view text);

template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsDuration : std::false_type {};
template <class R, class P>
struct IsDuration<std::chrono::duration<R, P>> : std::true_type {};
}  // namespace detail

template <class T>
void format_nested(std::string& out, const T& v);
template <class T>
void format(std::string& out, const T& v);

namespace detail {
template <class T>
void formatWithSpec(std::string& out, const T& v, const FormatSpec& spec) {
  if constexpr (std::is_same_v<T, bool>) {
    appendTextSpec(out, v ? "true" : "false", spec);
  } else if constexpr (std::is_integral_v<T>) {
    appendIntSpec(out, static_cast<std::int64_t>(v), spec);
  } else if constexpr (std::is_floating_point_v<T>) {
    appendFloatSpec(out, static_cast<double>(v), spec);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    appendStringSpec(out, std::string_view(v), spec);
  } else {
    std::string printed;
    format(printed, v);
    appendTextSpec(out, printed, spec);
  }
}
}  // namespace detail

/// Appends `v` as print() shows it. Never throws except bad_alloc.
template <class T>
void format(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    detail::appendInt(out, static_cast<std::int64_t>(v));
  } else if constexpr (std::is_integral_v<T>) {
    detail::appendUInt(out, static_cast<std::uint64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    detail::appendFloat(out, static_cast<double>(v));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out += std::string_view(v);
  } else if constexpr (detail::IsDuration<T>::value) {
    detail::appendDuration(out, std::chrono::duration_cast<std::chrono::nanoseconds>(v));
  } else if constexpr (detail::IsFormatted<T>::value) {
    detail::formatWithSpec(out, v.value, v.spec);
  } else if constexpr (detail::IsVector<T>::value) {
    out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += ", ";
      first = false;
      format_nested(out, e);
    }
    out += ']';
  } else {
    flow_format(out, v);  // a generated record: found by ADL
  }
}

/// Appends `v` as it appears inside a list or record: strings quoted.
template <class T>
void format_nested(std::string& out, const T& v) {
  if constexpr (std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, bool>) {
    detail::appendQuoted(out, std::string_view(v));
  } else {
    format(out, v);
  }
}

/// `str(x)`.
template <class T>
[[nodiscard]] std::string str(const T& v) {
  std::string out;
  format(out, v);
  return out;
}

/// String interpolation: `"a {x} b"` is concat("a ", x, " b").
template <class... Args>
[[nodiscard]] std::string concat(const Args&... args) {
  std::string out;
  (format(out, args), ...);
  return out;
}

/// `print(x)`: one whole line on stdout. Thread-safe; lines never interleave.
template <class T>
void print(const T& v) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    detail::writeLine(std::string_view(v), false);
  } else {
    detail::writeLine(str(v), false);
  }
}
/// `eprint(x)`: one whole line on stderr. Thread-safe.
template <class T>
void eprint(const T& v) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    detail::writeLine(std::string_view(v), true);
  } else {
    detail::writeLine(str(v), true);
  }
}
/// Flushes stdout (the runtime does this when a run ends). A failure is
/// remembered for outputError().
void flushOutput();
/// The errno of the first write to stdout that failed (print, write_line
/// to "-", flushOutput; EIO when only the stream's error flag says so), or
/// 0. flow::Program reports it and exits 1 (141 for a closed pipe).
[[nodiscard]] int outputError() noexcept;

}  // namespace flow
