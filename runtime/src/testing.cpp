// testing.cpp — the test runner of `flowc test` (flow/testing.h): runs each
// test's pipeline on the virtual clock with output captured and a real-time
// watchdog, and prints results as `go test` does. The diffs print values as
// Flow prints them (flow/format.h).
#include "flow/testing.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

namespace flow::testing {
namespace {

// Where simulated time starts: far from 0 (some code takes a zero time point
// for "unset"), the same for every run so that every run is the same.
constexpr auto kVirtualStart = std::chrono::hours(24);
// At most this many lines of a diff or of a failing run's log are shown.
constexpr std::size_t kMaxShown = 40;

void printIndented(const std::string& text, const char* indent) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::fprintf(stdout, "%s%.*s\n", indent, static_cast<int>(end - start), text.data() + start);
    start = end + 1;
  }
}

std::string seconds(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

Run::Run(Suite& suite, std::string name, std::string where)
    : suite_(suite), name_(std::move(name)), where_(std::move(where)) {}

void Run::captureLine(std::string_view line, bool toStderr, void* self) {
  auto* run = static_cast<Run*>(self);
  (toStderr ? run->logged_ : run->printed_).emplace_back(line);
}

const Report& Run::run(Pipeline& pl) {
  pl.setSeed(0);
  pl.setThreads(1);
  const auto started = RealClock::now();
  detail::enableVirtualClock(Deadline(kVirtualStart));
  detail::setLineSink(&Run::captureLine, this);
  // The watchdog: a run that never ends (it waits on something no timer
  // will ever wake) is cancelled after the real-time limit.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool timedOut = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, suite_.realLimit_, [&] { return done; })) {
      timedOut = true;
      pl.cancel();
    }
  });
  report_ = pl.run();
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_one();
  watchdog.join();
  detail::setLineSink(nullptr, nullptr);
  detail::disableVirtualClock();
  realTime_ = RealClock::now() - started;
  if (timedOut)
    fail(0, "",
         "the run did not end within " + std::to_string(suite_.realLimit_.count()) +
             "s of real time and was cancelled (a worker that never waits, or one that waits for what no "
             "timer wakes, keeps simulated time from moving on)");
  return report_;
}

std::int64_t Run::stageCounter(std::string_view stage, std::string_view counter) {
  for (const StageStats& s : report_.stages) {
    if (s.name != stage) continue;
    if (counter == "items_in") return static_cast<std::int64_t>(s.in);
    if (counter == "items_out") return static_cast<std::int64_t>(s.out);
    if (counter == "failed") return static_cast<std::int64_t>(s.failed);
    if (counter == "retried") return static_cast<std::int64_t>(s.retried);
    if (counter == "timed_out") return static_cast<std::int64_t>(s.timedOut);
    if (counter == "workers") return s.workers;
  }
  return 0;  // a stage the test does not run (flowc test checked the names)
}

std::int64_t Run::channelCounter(std::string_view channel, std::string_view counter) {
  for (const ChannelStats& c : report_.channels) {
    if (c.name != channel) continue;
    if (counter == "sent") return static_cast<std::int64_t>(c.sent);
    if (counter == "received") return static_cast<std::int64_t>(c.received);
    if (counter == "dropped") return static_cast<std::int64_t>(c.dropped);
    if (counter == "max_len") return c.maxLen;
    if (counter == "capacity") return c.capacity;
  }
  fail(0, "",
       "no counter `" + std::string(counter) + "` of channel `" + std::string(channel) +
           "` in the run's report");
  return 0;
}

void Run::expectTrue(int line, std::string_view text, bool ok) {
  if (!ok) fail(line, text, "");
}

void Run::fail(int line, std::string_view text, std::string detail) {
  std::string f;
  if (line > 0) {
    const std::string file = where_.substr(0, where_.rfind(':'));
    f = file + ":" + std::to_string(line) + ": expect " + std::string(text);
    if (!detail.empty()) f += "\n";
  }
  f += detail;
  failures_.push_back(std::move(f));
}

std::string Run::listDiff(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  // Longest common subsequence, then the edit script: `-` only wanted,
  // `+` only got, ` ` both.
  const std::size_t n = want.size(), m = got.size();
  std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = want[i] == got[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::string> lines;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && want[i] == got[j]) {
      lines.push_back("  " + want[i]);
      ++i, ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      lines.push_back("+ " + got[j++]);
    } else {
      lines.push_back("- " + want[i++]);
    }
  }
  std::string out = "values differ (-want +got): got " + std::to_string(m) + ", want " + std::to_string(n);
  for (std::size_t k = 0; k < lines.size() && k < kMaxShown; ++k) out += "\n" + lines[k];
  if (lines.size() > kMaxShown) out += "\n… " + std::to_string(lines.size() - kMaxShown) + " more lines";
  return out;
}

bool Run::sameItems(const std::vector<std::string>& got, const std::vector<std::string>& want,
                    std::string& diff) {
  std::map<std::string, long> count;  // got minus want, per printed value
  for (const auto& g : got) ++count[g];
  for (const auto& w : want) --count[w];
  std::vector<std::string> lines;
  for (const auto& [value, c] : count) {
    if (c == 0) continue;
    const std::string times = std::labs(c) > 1 ? " (" + std::to_string(std::labs(c)) + " times)" : "";
    lines.push_back((c < 0 ? "- " : "+ ") + value + times);
  }
  if (lines.empty()) return true;
  diff = "values differ in any order (-missing +unexpected): got " + std::to_string(got.size()) + ", want " +
         std::to_string(want.size());
  for (std::size_t k = 0; k < lines.size() && k < kMaxShown; ++k) diff += "\n" + lines[k];
  if (lines.size() > kMaxShown) diff += "\n… " + std::to_string(lines.size() - kMaxShown) + " more lines";
  return false;
}

Suite::Suite(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-v") {
      verbose_ = true;
    } else if (a == "--run" && i + 1 < argc) {
      only_ = argv[++i];
    } else if (a.starts_with("--run=")) {
      only_ = std::string(a.substr(6));
    } else if (a.starts_with("--counts=")) {
      countsFile_ = std::string(a.substr(9));
    } else if (a.starts_with("--timeout=") && std::atoi(argv[i] + 10) > 0) {
      realLimit_ = std::chrono::seconds(std::atoi(argv[i] + 10));
    } else {
      std::fprintf(stderr, "unknown argument `%s`; use -v, --run NAME, --timeout=SECONDS or --counts=FILE\n",
                   argv[i]);
      badCommandLine_ = 1;
    }
  }
}

void Suite::test(std::string name, std::string where, const std::function<void(Run&)>& body) {
  if (badCommandLine_ != 0) return;
  if (!only_.empty() && name.find(only_) == std::string::npos) return;
  Run run(*this, name, where);
  body(run);
  const std::string took = " (" + seconds(run.realTime_) + ", simulated " + str(run.report_.elapsed) + ")";
  if (!run.failed()) {
    ++passed_;
    if (verbose_) std::fprintf(stdout, "ok   %s: test \"%s\"%s\n", where.c_str(), name.c_str(), took.c_str());
    return;
  }
  ++failed_;
  std::fprintf(stdout, "FAIL %s: test \"%s\"%s\n", where.c_str(), name.c_str(), took.c_str());
  for (const std::string& f : run.failures_) printIndented(f, "    ");
  if (!run.logged_.empty()) {
    std::fprintf(stdout, "    the run's log:\n");
    for (std::size_t k = 0; k < run.logged_.size() && k < kMaxShown; ++k)
      std::fprintf(stdout, "      %s\n", run.logged_[k].c_str());
    if (run.logged_.size() > kMaxShown)
      std::fprintf(stdout, "      … %zu more lines\n", run.logged_.size() - kMaxShown);
  }
}

int Suite::finish() {
  if (badCommandLine_ != 0) return 2;
  if (!countsFile_.empty()) {
    if (std::FILE* f = std::fopen(countsFile_.c_str(), "w")) {
      std::fprintf(f, "%d %d\n", passed_, failed_);
      std::fclose(f);
    }
  } else {
    std::fprintf(stdout, "%d passed, %d failed\n", passed_, failed_);
  }
  std::fflush(stdout);
  return failed_ > 0 ? 1 : 0;
}

}  // namespace flow::testing
