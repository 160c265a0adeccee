// program.cpp — the generated executable's main(): the command line of
// docs/language.md, "The generated program", signal handling, running the
// pipeline and printing its report. SIGINT, SIGTERM, SIGHUP, SIGQUIT and
// SIGPIPE only set a flag (async-signal-safe), from the first line of main();
// Pipeline::wait() polls it and cancels the run, so every finally still runs
// and every thread is joined before the exit status (130, or 141 when the
// reader of stdout went away) is returned.
#include "flow/program.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <iterator>
#include <utility>

#include <unistd.h>

#include "flow/advice.h"
#include "flow/detail/metrics_server.h"
#include "flow/detail/os.h"
#include "flow/detail/progress.h"
#include "flow/detail/scheduler.h"
#include "flow/format.h"
#include "flow/metrics.h"
#include "suggest.h"

namespace flow {
namespace {

std::atomic<int> gInterrupted{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal handler needs a lock-free flag");

// The first signal wins: it decides the exit status and the message.
extern "C" void onInterrupt(int sig) {
  int none = 0;
  gInterrupted.compare_exchange_strong(none, sig, std::memory_order_relaxed);
}

constexpr int kExitBadCommandLine = 2;
constexpr int kExitFault = 1;
/// Finished with failed items that no stage handled (no `on_error`).
constexpr int kExitUnhandledFailures = 3;
/// The reader of stdout went away (`prog | head -1`): the status a shell
/// reports for a program SIGPIPE killed, though this one stopped cleanly.
constexpr int kExitStdoutClosed = 128 + SIGPIPE;

/// A fault after the run (its report could not be written, the accounting
/// does not balance, output was lost) turns a success or "finished with
/// failed items" into status 1; the statuses of a stopped run keep their
/// meaning.
int faultStatus(int status) { return status == 0 || status == kExitUnhandledFailures ? kExitFault : status; }
/// Signals that stop the run cleanly instead of killing the process.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};

/// Installs onInterrupt for kStopSignals; the destructor puts back what was
/// there (an embedder's handlers, or the defaults).
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) sigaction(kStopSignals[i], &action, &old_[i]);
  }
  ~StopSignals() {
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) sigaction(kStopSignals[i], &old_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_[std::size(kStopSignals)]{};
};

/// The run options flowc's programs know, for "did you mean".
const std::vector<std::string>& runFlagNames() {
  static const std::vector<std::string> names = {"help",    "stats",        "stats-json", "deadline",
                                                 "monitor", "workers",      "seed",       "metrics",
                                                 "trace",   "trace-sample", "progress"};
  return names;
}

bool parseInt(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  const char* first = text.data();
  if (*first == '+') ++first;
  auto res = std::from_chars(first, text.data() + text.size(), out);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

bool parseFloat(std::string_view text, double& out) {
  if (text.empty()) return false;
  auto res = std::from_chars(text.data(), text.data() + text.size(), out);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

bool parseBool(std::string_view text, bool& out) {
  if (text == "true" || text == "1") {
    out = true;
    return true;
  }
  if (text == "false" || text == "0") {
    out = false;
    return true;
  }
  return false;
}

}  // namespace

bool parseDuration(std::string_view text, std::chrono::nanoseconds& out) noexcept {
  if (text == "0") {
    out = std::chrono::nanoseconds(0);
    return true;
  }
  bool neg = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    neg = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  long double total = 0;
  while (!text.empty()) {
    std::size_t n = 0;
    while (n < text.size() && ((text[n] >= '0' && text[n] <= '9') || text[n] == '.')) ++n;
    if (n == 0) return false;
    double value = 0;
    auto res = std::from_chars(text.data(), text.data() + n, value);
    if (res.ec != std::errc() || res.ptr != text.data() + n) return false;
    text.remove_prefix(n);
    long double unit = 0;
    static constexpr struct {
      std::string_view name;
      long double ns;
    } kUnits[] = {{"ns", 1},  {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"ms", 1e6},
                  {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    // Longest match first: "ms" before "m", "ns"/"us" before "s".
    std::size_t best = 0;
    for (const auto& u : kUnits) {
      if (text.starts_with(u.name) && u.name.size() > best) {
        best = u.name.size();
        unit = u.ns;
      }
    }
    if (best == 0) return false;
    text.remove_prefix(best);
    total += static_cast<long double>(value) * unit;
  }
  if (total > 9.2e18L) return false;
  const auto ns = static_cast<std::int64_t>(total + 0.5L);
  out = std::chrono::nanoseconds(neg ? -ns : ns);
  return true;
}

Program::Program(std::string name) : name_(std::move(name)) {}

void Program::add(std::string name, std::string type, std::string help, std::string defaultText,
                  std::function<bool(std::string_view)> set) {
  params_.push_back(
      Param{std::move(name), std::move(type), std::move(help), std::move(defaultText), std::move(set)});
}

void Program::param(std::string name, std::int64_t& value, std::string type, std::string help) {
  add(std::move(name), std::move(type), std::move(help), str(value),
      [&value](std::string_view t) { return parseInt(t, value); });
}
void Program::param(std::string name, double& value, std::string type, std::string help) {
  add(std::move(name), std::move(type), std::move(help), str(value),
      [&value](std::string_view t) { return parseFloat(t, value); });
}
void Program::param(std::string name, bool& value, std::string type, std::string help) {
  add(std::move(name), std::move(type), std::move(help), str(value),
      [&value](std::string_view t) { return parseBool(t, value); });
}
void Program::param(std::string name, std::string& value, std::string type, std::string help) {
  std::string def;
  detail::appendQuoted(def, value);
  add(std::move(name), std::move(type), std::move(help), def, [&value](std::string_view t) {
    value = std::string(t);
    return true;
  });
}
void Program::param(std::string name, std::chrono::nanoseconds& value, std::string type, std::string help) {
  add(std::move(name), std::move(type), std::move(help), str(value),
      [&value](std::string_view t) { return parseDuration(t, value); });
}

void Program::require(std::string_view name) {
  auto it = std::find_if(params_.begin(), params_.end(), [&](const Param& p) { return p.name == name; });
  assert(it != params_.end() && "Program::require: the param must be registered first");
  if (it != params_.end()) it->required = true;
}

ParseStatus Program::parse(const std::vector<std::string>& args, RunOptions& o, std::string& error) {
  std::vector<bool> given(params_.size(), false);
  for (const std::string& arg : args) {
    std::string_view a = arg;
    if (!a.starts_with("--") || a.size() == 2) {
      error = "unexpected argument `" + arg + "`; flags look like --name=value";
      return ParseStatus::Error;
    }
    a.remove_prefix(2);
    const std::size_t eq = a.find('=');
    const std::string_view name = a.substr(0, eq);
    const bool hasValue = eq != std::string_view::npos;
    const std::string_view value = hasValue ? a.substr(eq + 1) : std::string_view();
    auto bad = [&](std::string_view what) {
      error = "invalid value `" + std::string(value) + "` for --" + std::string(name) + "; expected " +
              std::string(what);
      return ParseStatus::Error;
    };
    if (name == "help") {
      if (hasValue && !parseBool(value, o.help)) return bad("true or false");
      if (!hasValue) o.help = true;
    } else if (name == "stats") {
      if (hasValue && !parseBool(value, o.stats)) return bad("true or false");
      if (!hasValue) o.stats = true;
    } else if (name == "stats-json") {
      if (!hasValue || value.empty()) return bad("a file path");
      o.statsJsonPath = std::string(value);
    } else if (name == "deadline") {
      if (!hasValue || !parseDuration(value, o.deadline) || o.deadline.count() < 0)
        return bad("a duration such as 500ms or 2s");
      o.hasDeadline = true;
    } else if (name == "monitor") {
      if (!hasValue || !parseDuration(value, o.monitor) || o.monitor.count() < 0)
        return bad("a duration such as 500ms or 2s");
      if (o.monitor.count() > 0 && o.monitor < kMinMonitorPeriod)
        return bad("0 (off) or at least " + str(kMinMonitorPeriod) + " (a line per tick)");
      o.hasMonitor = true;
    } else if (name == "metrics") {
      if (!hasValue || !detail::parseListenAddress(value, o.metricsHost, o.metricsPort))
        return bad("an address HOST:PORT such as 127.0.0.1:9464");
    } else if (name == "trace") {
      if (!hasValue || value.empty()) return bad("a file path");
      o.tracePath = std::string(value);
    } else if (name == "trace-sample") {
      if (!hasValue || !parseInt(value, o.traceSample) || o.traceSample < 1) return bad("N >= 1");
    } else if (name == "progress") {
      if (hasValue && !parseBool(value, o.progress)) return bad("true or false");
      if (!hasValue) o.progress = true;
    } else if (name == "seed") {
      // Any int64 (its bits seed the generators); negative ones too.
      std::int64_t n = 0;
      if (!hasValue || !parseInt(value, n)) return bad("an integer");
      o.seed = static_cast<std::uint64_t>(n);
      o.hasSeed = true;
    } else if (name == "workers") {
      const std::size_t eq2 = value.rfind('=');
      std::int64_t n = 0;
      if (eq2 == std::string_view::npos || eq2 == 0 || !parseInt(value.substr(eq2 + 1), n) || n < 1 ||
          n > kMaxWorkers)
        return bad("STAGE=N with 1 <= N <= " + std::to_string(kMaxWorkers));
      o.workers[std::string(value.substr(0, eq2))] = n;
    } else {
      auto it = std::find_if(params_.begin(), params_.end(), [&](const Param& p) { return p.name == name; });
      if (it == params_.end()) {
        std::vector<std::string> names = runFlagNames();
        for (const Param& p : params_) names.push_back(p.name);
        const std::string best = detail::closestName(name, names, detail::Closeness::Near);
        error = "unknown flag --" + std::string(name) +
                (best.empty() ? "; run with --help to list the flags" : "; did you mean --" + best + "?");
        return ParseStatus::Error;
      }
      given[static_cast<std::size_t>(it - params_.begin())] = true;
      if (!hasValue && it->type == "bool") {
        (void)it->set("true");
      } else if (!hasValue || !it->set(value)) {
        return bad("a value of type " + it->type);
      }
    }
  }
  if (o.help) return ParseStatus::Ok;
  std::string missing;
  std::size_t count = 0;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].required || given[i]) continue;
    missing += (count++ ? ", --" : "--") + params_[i].name + "=" + params_[i].type;
  }
  if (count == 0) return ParseStatus::Ok;
  error = std::string(count == 1 ? "missing required flag " : "missing required flags ") + missing +
          "; run with --help to list the flags";
  return ParseStatus::Error;
}

std::string Program::usage() const {
  std::string out = "usage: " + name_ +
                    " [--PARAM=VALUE ...] [--deadline=D] [--workers=STAGE=N] [--monitor=D]\n"
                    "       [--seed=N] [--stats] [--stats-json=PATH] [--metrics=ADDR] [--trace=PATH]\n"
                    "       [--trace-sample=N] [--progress] [--help]\n";
  if (!params_.empty()) {
    out += "\nparams:\n";
    for (const Param& p : params_) {
      out += "  --" + p.name + "=" + p.type +
             (p.required ? "  (required)" : "  (default " + p.defaultText + ")");
      if (!p.help.empty()) out += "  " + p.help;
      out += "\n";
    }
  }
  out +=
      "\nexit status: 0 ok, 1 on_error stop or fault, 2 bad command line, 3 finished with failed items,\n"
      "             124 deadline passed, 130 interrupted, 141 stdout closed\n";
  return out;
}

int Program::main(int argc, char** argv, const std::function<void(Pipeline&)>& build) {
  // First, so a signal in the first millisecond still ends the run cleanly.
  gInterrupted.store(0);
  const StopSignals signals;
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  RunOptions o;
  std::string error;
  if (parse(args, o, error) != ParseStatus::Ok) {
    eprint(name_ + ": error: " + error);
    return kExitBadCommandLine;
  }
  if (o.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  for (const auto& [var, max] : {std::pair{"FLOW_THREADS", detail::Scheduler::kMaxThreads},
                                 std::pair{"FLOW_MAX_THREADS", detail::Scheduler::kMaxMaxThreads}}) {
    const char* env = std::getenv(var);
    if (env == nullptr || detail::Scheduler::parseCount(env, max) > 0) continue;
    eprint(name_ + ": error: invalid " + var + " `" + env + "`; expected a number of threads from 1 to " +
           std::to_string(max));
    return kExitBadCommandLine;
  }
  Pipeline pl;
  if (o.hasDeadline) pl.overrideDeadline(o.deadline);
  if (o.hasMonitor) pl.overrideMonitor(o.monitor);
  for (const auto& [stage, n] : o.workers) pl.overrideWorkers(stage, n);
  if (o.hasSeed) pl.setSeed(o.seed);
  pl.setInterruptFlag(&gInterrupted);
  build(pl);
  if (!o.tracePath.empty()) pl.enableTrace(static_cast<std::uint64_t>(o.traceSample));
  detail::Progress progress;
  bool showProgress = false;
  if (o.progress) {
    showProgress = isatty(STDERR_FILENO) != 0;
    if (showProgress) {
      pl.every(detail::Progress::kPeriod,
               [&progress, &pl](std::chrono::nanoseconds) { progress.tick(pl.liveReport(), false); });
    } else {
      eprint(name_ + ": --progress: stderr is not a terminal; no live status line");
    }
  }
  // Bound before the run starts, so a port in use stops the program before
  // any work is done; served until the run has ended.
  // Until the pipeline has started (start() sets up its counters), a scrape
  // sees an empty report.
  std::atomic<bool> started{false};
  detail::MetricsServer metrics;
  if (!o.metricsHost.empty()) {
    std::string why;
    const std::string pipelineName = name_;
    auto render = [&pl, &started, pipelineName] {
      return formatPrometheus(pipelineName,
                              started.load(std::memory_order_acquire) ? pl.liveReport() : Report{});
    };
    if (!metrics.start(o.metricsHost, o.metricsPort, render, why)) {
      eprint(concat(name_, ": error: --metrics: cannot serve on ", o.metricsHost, ":", o.metricsPort, ": ",
                    why));
      return kExitBadCommandLine;
    }
    eprint(concat(name_, ": metrics at http://", o.metricsHost, ":", metrics.port(), "/metrics"));
  }
  if (pl.start() != StartStatus::Ok) {
    eprint(name_ + ": error: " + pl.configError());
    return kExitBadCommandLine;
  }
  started.store(true, std::memory_order_release);
  Report report = pl.wait();
  metrics.stop();
  if (showProgress) progress.tick(report, true);
  if (!o.tracePath.empty()) {
    std::string why;
    if (!pl.writeTrace(o.tracePath, name_, why)) {
      eprint(name_ + ": error: --trace: " + why);
      report.exitCode = faultStatus(report.exitCode);
    } else if (pl.traceTruncated()) {
      eprint(concat(name_, ": --trace: the trace holds the first ", detail::TraceRecorder::kMaxEvents,
                    " events only; a larger --trace-sample covers the whole run"));
    }
  }

  // Nothing more goes to stdout: a write lost to a full disk or to a reader
  // that went away shows by now (wait() flushed it already).
  flushOutput();
  const int stdoutErrno = outputError();
  const bool stdoutClosed = gInterrupted.load() == SIGPIPE || stdoutErrno == EPIPE;
  if (report.exitCode == 124) eprint(name_ + ": error: deadline passed before the work was done");
  // The reader of stdout went away: nothing to say, it knows. Output was
  // lost, so not 0 even when the work was done; like the other stop
  // signals it outranks "finished with failed items".
  if ((report.exitCode == 0 || report.exitCode == kExitUnhandledFailures || report.exitCode == 130) &&
      stdoutClosed)
    report.exitCode = kExitStdoutClosed;
  if (report.exitCode == 130) eprint(name_ + ": interrupted");
  for (const StageStats& s : report.stages) {
    if (!s.isBalanced()) {
      eprint(concat(name_, ": error: accounting: stage ", s.name, ": in ", s.in, " != completed ",
                    s.completed, " + failed ", s.failed, " + in flight ", s.inFlight));
      report.exitCode = faultStatus(report.exitCode);
    }
  }
  // Lines the run printed but the OS refused (a full disk) are lost output:
  // never a silent success.
  if (stdoutErrno != 0 && !stdoutClosed) {
    eprint(name_ + ": error: " + detail::osFailure("write", "standard output", stdoutErrno));
    report.exitCode = faultStatus(report.exitCode);
  }
  // The JSON, then the table: both show the status the program returns.
  if (!o.statsJsonPath.empty()) {
    std::string failure;
    if (!detail::writeWholeFile(o.statsJsonPath, formatStatsJson(report), failure)) {
      eprint(name_ + ": error: " + failure);
      report.exitCode = faultStatus(report.exitCode);
    }
  }
  if (o.stats) {
    std::string table = formatStatsTable(report);
    for (const std::string& line : adviseFrom(report)) table += line + "\n";
    std::fwrite(table.data(), 1, table.size(), stderr);
  }
  std::fflush(stderr);
  return report.exitCode;
}

}  // namespace flow
