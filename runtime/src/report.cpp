// report.cpp — rendering a Report: the --stats table, the --stats-json document
// (exactly the keys of docs/language.md, "The generated program") and the
// monitor line.
#include "flow/report.h"

#include <cstdio>

#include "flow/format.h"

namespace flow {
namespace {

std::string millis(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
  return buf;
}

void appendJsonString(std::string& out, std::string_view s) { detail::appendQuoted(out, s); }

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

bool Report::isBalanced() const noexcept {
  for (const StageStats& s : stages) {
    if (!s.isBalanced()) return false;
  }
  return true;
}

std::string formatStatsTable(const Report& r) {
  std::size_t w = 8;
  for (const auto& s : r.stages) w = std::max(w, s.name.size() + 2);
  for (const auto& c : r.channels) w = std::max(w, c.name.size() + 2);
  std::string out;
  out += pad("stage", w) + "workers       in      out   failed  retried  timed_out   p50_ms   p99_ms\n";
  char buf[256];
  for (const auto& s : r.stages) {
    std::snprintf(buf, sizeof buf, "%7lld %8llu %8llu %8llu %8llu %10llu %8s %8s\n",
                  static_cast<long long>(s.workers), static_cast<unsigned long long>(s.in),
                  static_cast<unsigned long long>(s.out), static_cast<unsigned long long>(s.failed),
                  static_cast<unsigned long long>(s.retried), static_cast<unsigned long long>(s.timedOut),
                  millis(s.p50ns).c_str(), millis(s.p99ns).c_str());
    out += pad(s.name, w) + buf;
  }
  out += pad("channel", w) + "capacity     sent received  dropped  max_len\n";
  for (const auto& c : r.channels) {
    std::snprintf(buf, sizeof buf, "%8lld %8llu %8llu %8llu %8lld\n", static_cast<long long>(c.capacity),
                  static_cast<unsigned long long>(c.sent), static_cast<unsigned long long>(c.received),
                  static_cast<unsigned long long>(c.dropped), static_cast<long long>(c.maxLen));
    out += pad(c.name, w) + buf;
  }
  out += "elapsed_ms " + millis(r.elapsed.count()) + "  exit_code " + std::to_string(r.exitCode) + "\n";
  return out;
}

std::string formatStatsJson(const Report& r) {
  std::string out = "{\"stages\": [";
  bool first = true;
  for (const auto& s : r.stages) {
    if (!first) out += ", ";
    first = false;
    out += "{\"name\": ";
    appendJsonString(out, s.name);
    out += concat(", \"workers\": ", s.workers, ", \"in\": ", s.in, ", \"out\": ", s.out,
                  ", \"failed\": ", s.failed, ", \"retried\": ", s.retried, ", \"timed_out\": ", s.timedOut,
                  ", \"p50_ms\": ", millis(s.p50ns), ", \"p99_ms\": ", millis(s.p99ns), "}");
  }
  out += "], \"channels\": [";
  first = true;
  for (const auto& c : r.channels) {
    if (!first) out += ", ";
    first = false;
    out += "{\"name\": ";
    appendJsonString(out, c.name);
    out += concat(", \"capacity\": ", c.capacity, ", \"sent\": ", c.sent, ", \"received\": ", c.received,
                  ", \"dropped\": ", c.dropped, ", \"max_len\": ", c.maxLen, "}");
  }
  out += concat("], \"elapsed_ms\": ", millis(r.elapsed.count()), ", \"exit_code\": ", r.exitCode, "}\n");
  return out;
}

std::string formatMonitorLine(std::chrono::nanoseconds elapsed, const std::vector<ChannelStats>& channels) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "monitor: %.3fs", static_cast<double>(elapsed.count()) / 1e9);
  std::string out = buf;
  for (const auto& c : channels) out += concat(" ", c.name, " ", c.len, "/", c.capacity);
  return out;
}

}  // namespace flow
