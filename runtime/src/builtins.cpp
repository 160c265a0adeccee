// builtins.cpp — the built-in functions and the checked operations that fail an
// item with the messages docs/language.md ("Errors") gives (`division by zero`,
// `index 5 out of range for list of length 3`, `cannot convert "abc" to int`).
#include "flow/builtins.h"
#include "flow/map.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <limits>

#include "flow/context.h"
#include "flow/detail/os.h"

namespace flow {

void throwNegativeShift(std::int64_t n) { throw ItemFailed("negative shift amount " + std::to_string(n)); }

void throwDivisionByZero() { throw ItemFailed("division by zero"); }

void throwIndexOutOfRange(std::int64_t i, std::size_t length) {
  throw ItemFailed(concat("index ", i, " out of range for list of length ", length));
}

namespace detail {
void throwMissingKey(const std::string& shownKey) { throw ItemFailed("key " + shownKey + " not in map"); }
}  // namespace detail

namespace {
[[noreturn]] void cannotConvert(std::string_view s, const char* type) {
  std::string msg = "cannot convert ";
  detail::appendQuoted(msg, s);
  msg += " to ";
  msg += type;
  throw ItemFailed(msg);
}
}  // namespace

std::int64_t to_int(std::string_view s) {
  std::string digits;
  std::string_view t = s;
  bool neg = false;
  if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
    neg = t.front() == '-';
    t.remove_prefix(1);
  }
  int base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    base = 16;
    t.remove_prefix(2);
  }
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_' && i > 0 && i + 1 < t.size() && t[i + 1] != '_') continue;
    digits += t[i];
  }
  if (digits.empty()) cannotConvert(s, "int");
  std::uint64_t mag = 0;
  auto res = std::from_chars(digits.data(), digits.data() + digits.size(), mag, base);
  if (res.ec != std::errc() || res.ptr != digits.data() + digits.size()) cannotConvert(s, "int");
  const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  if (mag > limit) cannotConvert(s, "int");
  return neg ? wrap_neg(static_cast<std::int64_t>(mag)) : static_cast<std::int64_t>(mag);
}

double to_float(std::string_view s) {
  std::string_view t = s;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  double v = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size()) cannotConvert(s, "float");
  return v;
}

std::int64_t to_int(double v) noexcept {
  // Truncates toward zero; NaN and out-of-range saturate instead of UB.
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (v <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string trim(std::string_view s) {
  auto isSpace = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  if (sep.empty()) {
    // One element per UTF-8 sequence (a stray continuation byte stands alone).
    std::size_t i = 0;
    while (i < s.size()) {
      const auto lead = static_cast<unsigned char>(s[i]);
      std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (i + n > s.size()) n = 1;
      out.emplace_back(s.substr(i, n));
      i += n;
    }
    return out;
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = s.find(sep, start);
    if (at == std::string_view::npos) break;
    out.emplace_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::string join(const std::vector<std::string>& xs, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i > 0) out += sep;
    out += xs[i];
  }
  return out;
}

std::string replace(std::string_view s, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(s);
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = s.find(from, start);
    if (at == std::string_view::npos) break;
    out += s.substr(start, at - start);
    out += to;
    start = at + from.size();
  }
  out += s.substr(start);
  return out;
}

std::int64_t hashBytes(std::string_view bytes) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<std::int64_t>(h);
}

namespace detail {

const char* initStackLimit() noexcept {
  // The margin left for the failure's unwinding and the worker's own
  // frames: a quarter of the stack, at most 256 KiB.
  constexpr std::size_t kMaxMargin = std::size_t{256} << 10;
  const char* limit = nullptr;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* base = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &base, &size) == 0 && base != nullptr)
      limit = static_cast<const char*>(base) + std::min(size / 4, kMaxMargin);
    pthread_attr_destroy(&attr);
  }
  // Unknown stack: never stop (the address of a frame is never below 1).
  if (limit == nullptr) limit = reinterpret_cast<const char*>(1);
  tStackLimit = limit;
  return limit;
}

void throwStackExhausted(const char* fn) {
  throw ItemFailed(std::string("stack exhausted: function `") + fn + "` recursed too deeply");
}

void throwMissingReturn(const char* fn) {
  throw ItemFailed(std::string("function `") + fn + "` ended without returning a value");
}

}  // namespace detail

std::chrono::nanoseconds now() noexcept {
  if (const Context* ctx = Context::current()) return ctx->now();
  static const Clock::time_point processStart = Clock::now();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - processStart);
}

LineRange::LineRange(const std::string& path) : path_(path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    path_ = "standard input";
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw ItemFailed(detail::osFailure("open", path, errno));
  owned_ = true;
}

LineRange::~LineRange() {
  if (owned_) ::close(fd_);
}

bool LineRange::fill() {
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  constexpr std::size_t kChunk = 64 * 1024;
  const std::size_t have = buf_.size();
  buf_.resize(have + kChunk);
  for (;;) {
    const ssize_t n = ::read(fd_, buf_.data() + have, kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      buf_.resize(have);
      throw ItemFailed(detail::osFailure("read", path_, err));
    }
    buf_.resize(have + static_cast<std::size_t>(n));
    return n > 0;
  }
}

namespace {
/// As Go's bufio.ScanLines: a CRLF line end is one line end, and so is a
/// '\r' ending the last line.
void dropCR(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}
}  // namespace

bool LineRange::next(std::string& line) {
  for (;;) {
    const std::size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      line.assign(buf_, pos_, nl - pos_);
      pos_ = nl + 1;
      dropCR(line);
      return true;
    }
    if (!eof_ && fill()) continue;
    eof_ = true;
    if (pos_ >= buf_.size()) return false;
    line.assign(buf_, pos_, std::string::npos);  // a last line without '\n'
    pos_ = buf_.size();
    dropCR(line);
    return true;
  }
}

}  // namespace flow
