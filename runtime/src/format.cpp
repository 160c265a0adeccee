// format.cpp — value printing (docs/language.md, "Types and values": numbers,
// durations, quoting) and the line-atomic writers behind print/eprint.
#include "flow/format.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <mutex>

#include <unistd.h>

namespace flow::detail {

void appendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void appendUInt(std::string& out, std::uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void appendFloat(std::string& out, double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

namespace {
// Go's fmtFrac: formats v/10^prec's fraction into the tail of buf, omitting
// trailing zeros (and the dot if nothing remains). Returns the new start.
int fmtFrac(char* buf, int w, std::uint64_t& v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const int digit = static_cast<int>(v % 10);
    print = print || digit != 0;
    if (print) buf[--w] = static_cast<char>('0' + digit);
    v /= 10;
  }
  if (print) buf[--w] = '.';
  return w;
}
int fmtInt(char* buf, int w, std::uint64_t v) {
  if (v == 0) {
    buf[--w] = '0';
    return w;
  }
  while (v > 0) {
    buf[--w] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return w;
}
}  // namespace

// A direct port of Go's time.Duration.String.
void appendDuration(std::string& out, std::chrono::nanoseconds d) {
  char buf[32];
  int w = sizeof buf;
  const std::int64_t n = d.count();
  std::uint64_t u = n < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  const bool neg = n < 0;
  if (u < 1'000'000'000ULL) {
    if (u == 0) {
      out += "0s";
      return;
    }
    int prec = 0;
    buf[--w] = 's';
    --w;
    if (u < 1000ULL) {
      buf[w] = 'n';
    } else if (u < 1'000'000ULL) {
      prec = 3;
      --w;  // U+00B5 MICRO SIGN is two bytes in UTF-8
      buf[w] = static_cast<char>(0xC2);
      buf[w + 1] = static_cast<char>(0xB5);
    } else {
      prec = 6;
      buf[w] = 'm';
    }
    w = fmtFrac(buf, w, u, prec);
    w = fmtInt(buf, w, u);
  } else {
    w--;
    buf[w] = 's';
    w = fmtFrac(buf, w, u, 9);
    w = fmtInt(buf, w, u % 60);
    u /= 60;
    if (u > 0) {
      buf[--w] = 'm';
      w = fmtInt(buf, w, u % 60);
      u /= 60;
      if (u > 0) {
        buf[--w] = 'h';
        w = fmtInt(buf, w, u);
      }
    }
  }
  if (neg) buf[--w] = '-';
  out.append(buf + w, sizeof buf - static_cast<std::size_t>(w));
}

void appendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

namespace {
std::atomic<bool> gSinkSet{false};  // a sink or a status line: writeLine takes gSinkMu
std::mutex gSinkMu;                 // Guards gSink/gSinkUser/gStatus and serialises calls into the sink.
LineSink gSink = nullptr;
void* gSinkUser = nullptr;
std::string gStatus;  // the status line shown now, empty if none

constexpr std::string_view kEraseLine = "\r\x1b[K";

void writeAll(std::FILE* f, std::string_view s) { std::fwrite(s.data(), 1, s.size(), f); }

std::atomic<int> gOutputErrno{0};  // the first failed write to stdout, kept for outputError()

void noteOutputError(int err) noexcept {
  int none = 0;
  gOutputErrno.compare_exchange_strong(none, err == 0 ? EIO : err, std::memory_order_relaxed);
}
}  // namespace

void setStatusLine(std::string_view text) {
  std::lock_guard<std::mutex> lock(gSinkMu);
  std::string out(kEraseLine);
  out += text;
  // Nothing to erase and nothing to draw: write nothing at all.
  if (!(gStatus.empty() && text.empty())) writeAll(stderr, out);
  gStatus = std::string(text);
  gSinkSet.store(gSink != nullptr || !gStatus.empty(), std::memory_order_release);
}

void setLineSink(LineSink sink, void* user) noexcept {
  std::lock_guard<std::mutex> lock(gSinkMu);
  gSink = sink;
  gSinkUser = user;
  gSinkSet.store(sink != nullptr || !gStatus.empty(), std::memory_order_release);
}

void writeLine(std::string_view line, bool toStderr) {
  if (gSinkSet.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(gSinkMu);
    if (gSink != nullptr) {
      gSink(line, toStderr, gSinkUser);
      return;
    }
    // stdout elsewhere than the terminal: the status line is not in its way.
    static const bool stdoutIsTerminal = isatty(STDOUT_FILENO) != 0;
    if (!gStatus.empty() && (toStderr || stdoutIsTerminal)) {
      std::string buf(kEraseLine);
      if (toStderr) {
        buf.append(line);
        buf += '\n';
        buf += gStatus;
        writeAll(stderr, buf);
        return;
      }
      writeAll(stderr, buf);
      buf.assign(line);
      buf += '\n';
      writeAll(stdout, buf);
      std::fflush(stdout);  // before the status comes back on the terminal
      writeAll(stderr, std::string(kEraseLine) + gStatus);
      return;
    }
  }
  // One fwrite per line: stdio locks the FILE for the whole call, so lines
  // from different threads never interleave.
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf += '\n';
  if (std::fwrite(buf.data(), 1, buf.size(), toStderr ? stderr : stdout) != buf.size() && !toStderr)
    noteOutputError(errno);
}

}  // namespace flow::detail

namespace flow {
void flushOutput() {
  if (std::fflush(stdout) != 0) detail::noteOutputError(errno);
  std::fflush(stderr);  // nowhere left to report a failure of stderr itself
}

int outputError() noexcept {
  const int err = detail::gOutputErrno.load(std::memory_order_relaxed);
  // Extern C++ code may write stdout past writeLine(): its failures show
  // only in the stream's error flag.
  if (err == 0 && std::ferror(stdout)) return EIO;
  return err;
}
}  // namespace flow
