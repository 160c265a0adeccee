// advice.cpp — the rules behind `advice:` lines. Thresholds, and why:
//   - a bottleneck: a channel whose writers spent more than half of their
//     time waiting for room in it (ChannelStats::blockedNs over writers ×
//     the time they ran: the run less the readers' time to drain the
//     highest fill), over at least kMinValues values. That is the robust form of
//     "full on most sends": a reader that takes a batch at a time empties
//     the channel now and then, so the writers' sends find room, then fill
//     it again at once — the share of sends that found it full (or filled
//     it: ChannelStats::fullSends) is printed too. The reader is the
//     bottleneck unless it is itself held up by an output that backs up
//     (then the rule fires further down). The workers it needs: the
//     writers' rate had they never waited (their values over their time
//     not spent waiting) over the rate the reader achieved, times its
//     workers, plus a quarter for headroom — at most kMaxGrowth times as
//     many, since a writer that did nothing but wait says little about how
//     fast it could go.
//   - "never above a few %": capacity >= kMinOversized, at least one
//     capacity's worth of values through it, and a highest fill of at most
//     5% of it. The suggestion leaves twice the highest fill (at least 8).
//   - drops: any. A capacity of capacity + dropped would have held every
//     dropped value in this run (the backlog never exceeds it); when the
//     reader took values more slowly than they came, no capacity avoids
//     drops in a longer run, and the line says so.
//   - "timeouts on most items": more than half of a stage's items (at least
//     kMinItems) failed by timing out. The p99 of the items that finished
//     tells a tight timeout (p99 at least half the timeout) from items that
//     hang (p99 far below it).
//   - "mostly idle": a stage with 2+ workers busy under 25% of the run
//     (items × mean item time ÷ (workers × elapsed)), over at least
//     kMinItems items per worker; the suggestion keeps them half busy.
#include "flow/advice.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace flow {
namespace {

constexpr std::uint64_t kMinValues = 20;
constexpr std::uint64_t kMinItems = 10;
constexpr std::int64_t kMinOversized = 64;
constexpr double kMaxGrowth = 20;
constexpr double kHeadroom = 1.25;  // a stage sized to exactly its input's pace waits at every burst

std::string percent(double fraction) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", std::floor(fraction * 100.0));
  return buf;
}

std::string duration(std::int64_t ns) {
  char buf[32];
  if (ns >= 1'000'000'000)
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(ns) / 1e9);
  else if (ns >= 1'000'000)
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.1fus", static_cast<double>(ns) / 1e3);
  return buf;
}

std::string rate(double perSecond) {
  char buf[32];
  std::snprintf(buf, sizeof buf, perSecond >= 10 ? "%.0f/s" : "%.1f/s", perSecond);
  return buf;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

double fullFraction(const ChannelStats& c) {
  return c.sent == 0 ? 0.0 : std::min(1.0, static_cast<double>(c.fullSends) / static_cast<double>(c.sent));
}

std::int64_t writerWorkers(const Report& r, const ChannelStats& c) {
  std::int64_t n = 0;
  for (const StageStats& s : r.stages)
    if (has(s.outputs, c.name)) n += s.workers;
  return n;
}

/// The share of its writers' time spent waiting for room in `c`.
/// How long `c`'s writers ran, about: the run, less the time the readers
/// then needed to drain what was left buffered (at most its highest fill,
/// at the pace they kept) — a writer that has finished waits no more.
double writersSeconds(const ChannelStats& c, double seconds) {
  const double taken = seconds > 0 ? static_cast<double>(c.received) / seconds : 0;
  const double drain = taken > 0 ? static_cast<double>(c.maxLen) / taken : 0;
  return std::max(seconds - drain, seconds / 2);
}

/// The share of its writers' time spent waiting for room in `c`.
double writersWaiting(const Report& r, const ChannelStats& c, double seconds) {
  const std::int64_t writers = writerWorkers(r, c);
  if (writers == 0 || seconds <= 0) return 0;
  return std::min(1.0, static_cast<double>(c.blockedNs) / 1e9 /
                           (static_cast<double>(writers) * writersSeconds(c, seconds)));
}

/// Backpressure: its writers waited for room most of the time.
bool backsUp(const Report& r, const ChannelStats& c, double seconds) {
  return c.sent >= kMinValues && writersWaiting(r, c, seconds) > 0.5;
}

const ChannelStats* channelNamed(const Report& r, const std::string& name) {
  for (const ChannelStats& c : r.channels)
    if (c.name == name) return &c;
  return nullptr;
}

/// True if one of `s`'s outputs backs up too: then `s` waits downstream
/// rather than being slow itself.
bool heldUpDownstream(const Report& r, const StageStats& s, double seconds) {
  for (const std::string& out : s.outputs) {
    const ChannelStats* c = channelNamed(r, out);
    if (c != nullptr && backsUp(r, *c, seconds)) return true;
  }
  return false;
}

void bottleneck(const Report& r, const ChannelStats& c, double seconds, std::vector<std::string>& out) {
  if (!backsUp(r, c, seconds)) return;
  const double waiting = writersWaiting(r, c, seconds);
  for (const StageStats& s : r.stages) {
    if (s.kind == StageKind::Source || !has(s.inputs, c.name) || heldUpDownstream(r, s, seconds)) continue;
    // The writers' own pace: their values over the time they did not wait.
    const double lived = writersSeconds(c, seconds);
    const double active = std::max(lived * (1 - waiting), lived / kMaxGrowth);
    const double offered = static_cast<double>(c.sent) / active;
    const double taken = static_cast<double>(c.received) / seconds;
    const double workers = static_cast<double>(s.workers);
    // (- 1e-9: a product that is whole but for rounding does not round up.)
    double want = taken > 0 ? std::ceil(workers * offered / taken * kHeadroom - 1e-9) : workers * kMaxGrowth;
    want = std::clamp(want, workers + 1, workers * kMaxGrowth);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f", want);
    out.push_back("advice: channel " + c.name + " was full on " + percent(fullFraction(c)) +
                  " of sends (its writers waited " + percent(waiting) + " of the time); stage " + s.name +
                  " is the bottleneck: try --workers=" + s.name + "=" + buf);
  }
}

void oversized(const ChannelStats& c, std::vector<std::string>& out) {
  if (c.capacity < kMinOversized || c.dropped > 0 || c.sent < static_cast<std::uint64_t>(c.capacity)) return;
  if (c.maxLen * 20 > c.capacity) return;
  std::int64_t want = 8;
  while (want < 2 * c.maxLen) want *= 2;
  if (want >= c.capacity) return;
  out.push_back("advice: channel " + c.name + " never held more than " + std::to_string(c.maxLen) +
                " of its " + std::to_string(c.capacity) + " slots (" +
                percent(static_cast<double>(c.maxLen) / static_cast<double>(c.capacity)) +
                "); a capacity of " + std::to_string(want) + " would do");
}

void drops(const Report& r, const ChannelStats& c, double seconds, std::vector<std::string>& out) {
  if (c.dropped == 0) return;
  const std::uint64_t offered = c.sent + c.dropped;
  std::string line = "advice: channel " + c.name + " dropped " + std::to_string(c.dropped) + " of " +
                     std::to_string(offered) + " values (" +
                     percent(static_cast<double>(c.dropped) / static_cast<double>(offered)) +
                     "); a capacity of " + std::to_string(c.capacity + static_cast<std::int64_t>(c.dropped)) +
                     " would have held them all in this run";
  const double in = seconds > 0 ? static_cast<double>(offered) / seconds : 0;
  const double taken = seconds > 0 ? static_cast<double>(c.received) / seconds : 0;
  if (in > taken * 1.05) {
    std::string readers;
    for (const StageStats& s : r.stages)
      if (has(s.inputs, c.name)) readers += (readers.empty() ? "" : ", ") + s.name;
    if (!readers.empty())
      line += ", but " + readers + " took values more slowly (" + rate(taken) + ") than they came (" +
              rate(in) + "): in a longer run no capacity is enough";
  }
  out.push_back(line);
}

void timeouts(const StageStats& s, std::vector<std::string>& out) {
  if (s.timeoutNs <= 0 || s.in < kMinItems || s.timedOut * 2 <= s.in) return;
  const std::string head = "advice: stage " + s.name + " timed out on ";
  const std::string limit = duration(s.timeoutNs);
  if (s.completed == 0) {
    out.push_back(head + "all " + std::to_string(s.timedOut) + " of its items (timeout " + limit +
                  "): none finished in time; try a longer timeout");
    return;
  }
  const std::string share = percent(static_cast<double>(s.timedOut) / static_cast<double>(s.in));
  if (s.p99ns * 2 >= s.timeoutNs) {
    out.push_back(head + share + " of its items; those that finished took up to " + duration(s.p99ns) +
                  " (p99) against a timeout of " + limit + ": it cuts normal work short; try a longer one");
    return;
  }
  out.push_back(head + share + " of its items, yet those that finished took only " + duration(s.p99ns) +
                " (p99) against a timeout of " + limit +
                ": the others hang rather than run long, and a longer timeout would not save them");
}

void idle(const StageStats& s, double seconds, std::vector<std::string>& out) {
  if (s.kind == StageKind::Source || s.workers < 2 || seconds <= 0 || s.latencySamples == 0) return;
  const std::uint64_t items = s.completed + s.failed;
  if (items < kMinItems * static_cast<std::uint64_t>(s.workers)) return;
  const double meanSeconds =
      static_cast<double>(s.latencySumNs) / static_cast<double>(s.latencySamples) / 1e9;
  const double busy = static_cast<double>(items) * meanSeconds / (static_cast<double>(s.workers) * seconds);
  if (busy >= 0.25) return;
  const auto want =
      static_cast<std::int64_t>(std::max(1.0, std::ceil(static_cast<double>(s.workers) * busy * 2)));
  if (want >= s.workers) return;
  out.push_back("advice: stage " + s.name + "'s " + std::to_string(s.workers) + " workers were busy " +
                percent(busy) + " of the time; " + std::to_string(want) +
                " would do: try --workers=" + s.name + "=" + std::to_string(want));
}

}  // namespace

std::vector<std::string> adviseFrom(const Report& r) {
  std::vector<std::string> out;
  const double seconds = static_cast<double>(r.elapsed.count()) / 1e9;
  for (const ChannelStats& c : r.channels) {
    bottleneck(r, c, seconds, out);
    drops(r, c, seconds, out);
    oversized(c, out);
  }
  for (const StageStats& s : r.stages) {
    timeouts(s, out);
    idle(s, seconds, out);
  }
  return out;
}

}  // namespace flow
