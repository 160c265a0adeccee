// flow/builtins.h — the built-in functions (docs/language.md, "Stage bodies")
// and the run-time checked operations generated code calls: Go-style
// wrap-around int arithmetic, div/rem/at/to_int/to_float that fail the item
// (flow::ItemFailed) with the messages of docs/language.md ("Errors") instead
// of crashing. Pure functions except now() (reads the running context) and
// read_lines() (reads a file); the built-ins that reach services and files
// (http_get, write_line, env) are in services.h. Does not format values: see
// format.h (str() lives there).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flow/errors.h"
#include "flow/format.h"

namespace flow {

// ---- int arithmetic: two's complement wrap-around, as in Go -------------
[[nodiscard]] constexpr std::int64_t wrap_add(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
[[nodiscard]] constexpr std::int64_t wrap_sub(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
[[nodiscard]] constexpr std::int64_t wrap_mul(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}
[[nodiscard]] constexpr std::int64_t wrap_neg(std::int64_t a) noexcept {
  return static_cast<std::int64_t>(std::uint64_t{0} - static_cast<std::uint64_t>(a));
}
// The checked operations below sit in the hottest loops of generated code
// (W2's hash does 600 shifts per job), so they are inline; only the cold
// failure paths are out of line.
[[noreturn]] void throwNegativeShift(std::int64_t n);
[[noreturn]] void throwDivisionByZero();

/// `a << n`; a negative count fails the item, a count >= 64 gives 0 (Go).
[[nodiscard]] inline std::int64_t wrap_shl(std::int64_t a, std::int64_t n) {
  if (n < 0) throwNegativeShift(n);
  if (n >= 64) return 0;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) << n);
}
/// `a >> n`, arithmetic; a count >= 64 gives 0 or -1 (Go).
[[nodiscard]] inline std::int64_t wrap_shr(std::int64_t a, std::int64_t n) {
  if (n < 0) throwNegativeShift(n);
  if (n >= 64) return a < 0 ? -1 : 0;
  return a >> n;  // arithmetic on two's complement (C++20)
}
/// `a / b`: truncates toward zero; b == 0 fails with `division by zero`;
/// INT64_MIN / -1 wraps to INT64_MIN (Go).
[[nodiscard]] inline std::int64_t div(std::int64_t a, std::int64_t b) {
  if (b == 0) throwDivisionByZero();
  if (b == -1) return wrap_neg(a);
  return a / b;
}
/// `a % b`: sign of a; b == 0 fails with `division by zero`.
[[nodiscard]] inline std::int64_t rem(std::int64_t a, std::int64_t b) {
  if (b == 0) throwDivisionByZero();
  if (b == -1) return 0;
  return a % b;
}

/// `a % b` on floats: C's fmod, the sign of a (like int `%`); b == 0
/// gives NaN rather than failing, as float `/` by zero gives an infinity.
[[nodiscard]] inline double frem(double a, double b) noexcept { return std::fmod(a, b); }
/// `d / n`: a duration scaled down, truncated toward zero like int `/`;
/// n == 0 fails with `division by zero`.
[[nodiscard]] inline std::chrono::nanoseconds div(std::chrono::nanoseconds d, std::int64_t n) {
  return std::chrono::nanoseconds(div(static_cast<std::int64_t>(d.count()), n));
}
/// `a / b` on durations: how many times b fits in a (an int, truncated);
/// b == 0 fails with `division by zero`.
[[nodiscard]] inline std::int64_t div(std::chrono::nanoseconds a, std::chrono::nanoseconds b) {
  return div(static_cast<std::int64_t>(a.count()), static_cast<std::int64_t>(b.count()));
}

/// `xs[i]`: fails with `index 5 out of range for list of length 3`.
[[noreturn]] void throwIndexOutOfRange(std::int64_t i, std::size_t length);
template <class T>
[[nodiscard]] const T& at(const std::vector<T>& xs, std::int64_t i) {
  if (i < 0 || static_cast<std::uint64_t>(i) >= xs.size()) throwIndexOutOfRange(i, xs.size());
  return xs[static_cast<std::size_t>(i)];
}
template <class T>
[[nodiscard]] T& at(std::vector<T>& xs, std::int64_t i) {
  if (i < 0 || static_cast<std::uint64_t>(i) >= xs.size()) throwIndexOutOfRange(i, xs.size());
  return xs[static_cast<std::size_t>(i)];
}
// std::vector<bool> packs its bits and hands out proxies, not `bool&`: a
// list of bools is read by value (Flow never assigns through an index), so
// no proxy reaches format(), hash() or an `auto` local.
[[nodiscard]] inline bool at(const std::vector<bool>& xs, std::int64_t i) {
  if (i < 0 || static_cast<std::uint64_t>(i) >= xs.size()) throwIndexOutOfRange(i, xs.size());
  return xs[static_cast<std::size_t>(i)];
}
[[nodiscard]] inline bool at(std::vector<bool>& xs, std::int64_t i) {
  return at(static_cast<const std::vector<bool>&>(xs), i);
}

/// `int(s)`: decimal (optional sign, `_` separators, 0x hex); anything else
/// fails with `cannot convert "abc" to int`.
[[nodiscard]] std::int64_t to_int(std::string_view s);
/// `float(s)`: fails with `cannot convert "abc" to float`.
[[nodiscard]] double to_float(std::string_view s);
/// `int(x)` / `float(x)` of numbers.
[[nodiscard]] std::int64_t to_int(double v) noexcept;
[[nodiscard]] constexpr std::int64_t to_int(std::int64_t v) noexcept { return v; }
[[nodiscard]] constexpr double to_float(std::int64_t v) noexcept { return static_cast<double>(v); }
[[nodiscard]] constexpr double to_float(double v) noexcept { return v; }

// ---- strings and lists ----------------------------------------------------
[[nodiscard]] inline std::int64_t len(std::string_view s) noexcept {
  return static_cast<std::int64_t>(s.size());
}
template <class T>
[[nodiscard]] std::int64_t len(const std::vector<T>& xs) noexcept {
  return static_cast<std::int64_t>(xs.size());
}
[[nodiscard]] std::string upper(std::string_view s);  // ASCII letters only
[[nodiscard]] std::string lower(std::string_view s);
[[nodiscard]] std::string trim(std::string_view s);  // ASCII white space
/// Go's strings.Split: an empty `sep` splits into UTF-8 sequences.
[[nodiscard]] std::vector<std::string> split(std::string_view s, std::string_view sep);
[[nodiscard]] std::string join(const std::vector<std::string>& xs, std::string_view sep);
[[nodiscard]] inline bool contains(std::string_view s, std::string_view sub) noexcept {
  return s.find(sub) != std::string_view::npos;
}
template <class T, class U>
[[nodiscard]] bool contains(const std::vector<T>& xs, const U& x) {
  for (const auto& e : xs) {
    if (e == x) return true;
  }
  return false;
}
[[nodiscard]] inline bool starts_with(std::string_view s, std::string_view p) noexcept {
  return s.starts_with(p);
}
[[nodiscard]] inline bool ends_with(std::string_view s, std::string_view p) noexcept {
  return s.ends_with(p);
}
/// Replaces every non-overlapping `from` (an empty `from` returns s).
[[nodiscard]] std::string replace(std::string_view s, std::string_view from, std::string_view to);
template <class T, class U>
[[nodiscard]] std::vector<T> append(std::vector<T> xs, U&& x) {
  xs.push_back(std::forward<U>(x));
  return xs;
}

/// `hash(x)`: FNV-1a 64 of x's nested printed form (strings quoted); stable
/// across runs and machines.
[[nodiscard]] std::int64_t hashBytes(std::string_view bytes) noexcept;
template <class T>
[[nodiscard]] std::int64_t hash(const T& v) {
  std::string s;
  format_nested(s, v);
  return hashBytes(s);
}

template <class T>
[[nodiscard]] constexpr T min(const T& a, const T& b) {
  return b < a ? b : a;
}
template <class T>
[[nodiscard]] constexpr T max(const T& a, const T& b) {
  return a < b ? b : a;
}
[[nodiscard]] constexpr std::int64_t abs(std::int64_t v) noexcept { return v < 0 ? wrap_neg(v) : v; }
[[nodiscard]] inline double abs(double v) noexcept { return v < 0 ? -v : v; }
[[nodiscard]] constexpr std::chrono::nanoseconds abs(std::chrono::nanoseconds d) noexcept {
  return std::chrono::nanoseconds(abs(static_cast<std::int64_t>(d.count())));
}

// ---- Flow functions --------------------------------------------------------
namespace detail {
/// The lowest address the running thread's stack may reach before a Flow
/// function stops recursing (null until this thread's first check).
inline thread_local const char* tStackLimit = nullptr;
/// Computes tStackLimit for the running thread and returns it.
const char* initStackLimit() noexcept;
[[noreturn]] void throwStackExhausted(const char* fn);
/// The end of a function with a result, which sema proved unreachable.
[[noreturn]] void throwMissingReturn(const char* fn);
}  // namespace detail

/// On entry to a recursive Flow function: fails the item (`stack exhausted
/// in function f`) when less than a safety margin of the thread's stack is
/// left, instead of letting runaway recursion crash the process.
inline void checkStack(const char* fn) {
  const char* limit = detail::tStackLimit != nullptr ? detail::tStackLimit : detail::initStackLimit();
  if (static_cast<const char*>(__builtin_frame_address(0)) < limit) detail::throwStackExhausted(fn);
}

/// `now()`: monotonic time since the running pipeline started (since the
/// process started outside a stage body).
[[nodiscard]] std::chrono::nanoseconds now() noexcept;

/// `read_lines(path)`: the lines of a file ("-" = standard input), without
/// their '\n' and one '\r' before it (CRLF files read like LF ones, as Go's
/// bufio.ScanLines). A file that cannot be opened or read fails the item
/// with the OS's reason (`cannot open nope.log: No such file or directory`,
/// `cannot read /tmp: Is a directory`) — a read error is never taken for
/// the end of the file. Single pass; the file is closed when the range is
/// destroyed.
class LineRange {
 public:
  explicit LineRange(const std::string& path);
  ~LineRange();
  LineRange(const LineRange&) = delete;
  LineRange& operator=(const LineRange&) = delete;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;
    iterator() = default;
    explicit iterator(LineRange* range) : range_(range) { ++*this; }
    reference operator*() const { return line_; }
    pointer operator->() const { return &line_; }
    iterator& operator++() {
      if (range_ != nullptr && !range_->next(line_)) range_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.range_ == b.range_; }

   private:
    LineRange* range_ = nullptr;  // null = end
    std::string line_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  /// The next line into `line`; false at the end. Throws ItemFailed on a
  /// read error.
  bool next(std::string& line);
  /// Reads more into buf_; false at the end of the file.
  bool fill();

  std::string path_;  // as given, for messages
  int fd_ = -1;
  bool owned_ = false;  // fd_ is ours to close (not standard input)
  bool eof_ = false;
  std::string buf_;  // bytes read, not returned yet, from pos_
  std::size_t pos_ = 0;
};
[[nodiscard]] inline LineRange read_lines(const std::string& path) { return LineRange(path); }

}  // namespace flow
