// flow/pipeline.h — flow::Pipeline: the graph of channels and stages that
// generated code wires up (build()), and the run: start(), wait() for the
// Report, cancel(). A pipeline runs once.
// Ownership: the pipeline owns every channel and stage; references returned
// by channel()/input()/output() stay valid until it is destroyed.
// The run ends when every worker has finished (all sinks done), or is
// cancelled by the deadline (exit 124), an interrupt (130: cancel() or the
// flag given to setInterruptFlag) or `on_error stop` (1). A run that ends
// with items failed in a stage without an `on_error` policy reports exit
// status 3 (StageCore::hasUnhandledFailures). On every path,
// every blocked operation wakes, every `finally` runs and every thread is
// joined before wait() returns. Does not parse the command line (program.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "flow/channel.h"
#include "flow/detail/run_shared.h"
#include "flow/detail/stage_runner.h"
#include "flow/detail/trace.h"
#include "flow/report.h"
#include "flow/stage.h"

namespace flow {

enum class StartStatus : std::uint8_t { Ok, BadConfig, AlreadyStarted };

/// The most workers one stage may have: each is a coroutine started with
/// the run, and a mistyped count must fail at start, not exhaust memory.
inline constexpr std::int64_t kMaxWorkers = 100'000;
/// The shortest monitor period: each tick prints a line to stderr.
inline constexpr std::chrono::nanoseconds kMinMonitorPeriod = std::chrono::milliseconds(10);

class Pipeline {
 public:
  Pipeline();
  /// Cancels and waits if the run is still going.
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // ---- wiring (before start) --------------------------------------------
  template <class T>
  Channel<T>& channel(std::string name, std::int64_t capacity, Overflow overflow = Overflow::Block) {
    auto* ch = new Channel<T>(std::move(name), capacity, overflow);
    adoptChannel(ch, capacity);  // owns it from here
    return *ch;
  }
  /// A channel the host feeds (one writer: the host, which must close() it).
  template <class T>
  Channel<T>& input(std::string name, std::int64_t capacity) {
    Channel<T>& ch = channel<T>(std::move(name), capacity);
    ch.addWriters(1);
    return ch;
  }
  /// A channel the host drains with recv() from any thread.
  template <class T>
  Channel<T>& output(std::string name, std::int64_t capacity) {
    return channel<T>(std::move(name), capacity);
  }
  void setDeadline(std::chrono::nanoseconds d) noexcept;
  void setMonitor(std::chrono::nanoseconds period) noexcept;

  /// `source name -> outs { body }`: body(Context&) -> Task, once per worker.
  template <class Body>
  void source(std::string name, StageOptions opts, std::vector<ChannelBase*> outs, Body body) {
    addStage<void, detail::NoState>(std::move(name), StageKind::Source, opts, std::vector<ChannelBase*>{},
                                    std::move(outs), nullptr, std::move(body), nullptr);
  }
  /// With `state`/`finally`: init(Context&) -> S, body(Context&, S&) -> Task,
  /// fin(Context&, S&) -> Task or nullptr.
  template <class S, class Init, class Body, class Fin>
  void source(std::string name, StageOptions opts, std::vector<ChannelBase*> outs, Init init, Body body,
              Fin fin) {
    addStage<void, S>(std::move(name), StageKind::Source, opts, std::vector<ChannelBase*>{}, std::move(outs),
                      std::move(init), std::move(body), std::move(fin));
  }
  /// `stage name(x from ins) -> outs { body }`: body(Context&, In) -> Task.
  template <class In, class Body>
  void stage(std::string name, StageOptions opts, std::vector<Channel<In>*> ins,
             std::vector<ChannelBase*> outs, Body body) {
    addStage<In, detail::NoState>(std::move(name), StageKind::Stage, opts, inputsOf(ins), std::move(outs),
                                  nullptr, std::move(body), nullptr);
  }
  /// With state: body(Context&, S&, In) -> Task.
  template <class In, class S, class Init, class Body, class Fin>
  void stage(std::string name, StageOptions opts, std::vector<Channel<In>*> ins,
             std::vector<ChannelBase*> outs, Init init, Body body, Fin fin) {
    addStage<In, S>(std::move(name), StageKind::Stage, opts, inputsOf(ins), std::move(outs), std::move(init),
                    std::move(body), std::move(fin));
  }
  /// `sink name(x from ins) { body }`: body(Context&, In) -> Task.
  template <class In, class Body>
  void sink(std::string name, StageOptions opts, std::vector<Channel<In>*> ins, Body body) {
    addStage<In, detail::NoState>(std::move(name), StageKind::Sink, opts, inputsOf(ins), {}, nullptr,
                                  std::move(body), nullptr);
  }
  template <class In, class S, class Init, class Body, class Fin>
  void sink(std::string name, StageOptions opts, std::vector<Channel<In>*> ins, Init init, Body body,
            Fin fin) {
    addStage<In, S>(std::move(name), StageKind::Sink, opts, inputsOf(ins), {}, std::move(init),
                    std::move(body), std::move(fin));
  }

  /// The form for every attribute — `key`, `batch`, `every` included:
  /// init(Context&) -> S; body(Context&, S&, In) -> Task or void, taking a
  /// std::vector<In> instead with `opts.batch`; fin(Context&, S&) -> Task or
  /// nullptr; tick (`every`, every `opts.every`): (Context&, S&) -> Task or
  /// nullptr; key: (Context&, const In&) -> std::uint64_t (the key's hash:
  /// equal keys, equal hashes) or nullptr.
  template <class In, class S, class Init, class Body, class Fin, class Tick, class Key>
  void stage(std::string name, StageOptions opts, std::vector<Channel<In>*> ins,
             std::vector<ChannelBase*> outs, Init init, Body body, Fin fin, Tick tick, Key key) {
    adoptStage(new detail::StageImpl<In, S, Init, Body, Fin, Tick, Key>(
                   std::move(name), StageKind::Stage, opts, inputsOf(ins), std::move(init), std::move(body),
                   std::move(fin), std::move(tick), std::move(key)),
               std::move(outs));
  }
  template <class In, class S, class Init, class Body, class Fin, class Tick, class Key>
  void sink(std::string name, StageOptions opts, std::vector<Channel<In>*> ins, Init init, Body body, Fin fin,
            Tick tick, Key key) {
    adoptStage(new detail::StageImpl<In, S, Init, Body, Fin, Tick, Key>(
                   std::move(name), StageKind::Sink, opts, inputsOf(ins), std::move(init), std::move(body),
                   std::move(fin), std::move(tick), std::move(key)),
               {});
  }

  // ---- command-line overrides (flow::Program) ---------------------------
  /// Take precedence over setDeadline/setMonitor/StageOptions::workers.
  void overrideDeadline(std::chrono::nanoseconds d) noexcept;
  void overrideMonitor(std::chrono::nanoseconds period) noexcept;
  void overrideWorkers(const std::string& stage, std::int64_t workers);
  /// wait() polls `flag` (set by a signal handler); non-zero = interrupt.
  void setInterruptFlag(const std::atomic<int>* flag) noexcept { interruptFlag_ = flag; }
  /// Seeds rand_int/rand_float: each worker's generator is then a function
  /// of `seed`, its stage's name and its index. Without it a run draws a
  /// fresh seed from std::random_device. Before start().
  void setSeed(std::uint64_t seed) noexcept {
    seed_ = seed;
    hasSeed_ = true;
  }
  /// Scheduler threads for this run (0 = Scheduler::defaultThreads()).
  void setThreads(int threads) noexcept { threads_ = threads; }

  // ---- watching the run (--metrics, --trace, --progress) ------------------
  /// Before start(): records a trace of the run (one span per item, or one
  /// per `sampleEvery` items of each worker); writeTrace() writes it.
  void enableTrace(std::uint64_t sampleEvery);
  /// After wait(): writes the trace recorded since start() as Chrome
  /// trace-event JSON. False (with `error`) if it cannot be written.
  [[nodiscard]] bool writeTrace(const std::string& path, const std::string& pipeline,
                                std::string& error) const;
  /// True if the trace left events out (its memory bound was reached).
  [[nodiscard]] bool traceTruncated() const noexcept;
  /// Before start(): calls `tick(elapsed)` every `period` while wait()
  /// waits, on the waiting thread (never a worker's), and once more when
  /// the run has ended.
  void every(std::chrono::nanoseconds period, std::function<void(std::chrono::nanoseconds)> tick);
  /// The report as of now, while the run goes on (any thread, any time
  /// after start(); counters are read one by one, as for the monitor).
  /// Each stage's `latency` points at its live histogram.
  [[nodiscard]] Report liveReport() const;

  // ---- the run ------------------------------------------------------------
  /// Validates the graph and starts every worker. On BadConfig,
  /// configError() says why (e.g. `stage `work`: workers must be at least 1,
  /// got 0`) and nothing was started.
  [[nodiscard]] StartStatus start();
  [[nodiscard]] const std::string& configError() const noexcept { return configError_; }
  /// Interrupts the run (exit status 130). Thread-safe. Never blocks.
  void cancel() noexcept;
  /// Waits until the run ends, enforcing the deadline and printing monitor
  /// lines; joins every thread; returns the report. Call once, after start().
  [[nodiscard]] Report wait();
  /// start() then wait(); a BadConfig start gives exit code 2.
  [[nodiscard]] Report run();
  /// Snapshot of every channel (monitoring; any thread, any time).
  [[nodiscard]] std::vector<ChannelStats> channelStats() const;

 private:
  template <class In, class S, class Init, class Body, class Fin>
  void addStage(std::string name, StageKind kind, StageOptions opts, std::vector<ChannelBase*> ins,
                std::vector<ChannelBase*> outs, Init init, Body body, Fin fin) {
    using Impl = detail::StageImpl<In, S, Init, Body, Fin>;
    adoptStage(new Impl(std::move(name), kind, opts, std::move(ins), std::move(init), std::move(body),
                        std::move(fin)),
               std::move(outs));
  }
  /// The typed inputs of a stage or sink, as the channels they are.
  template <class In>
  static std::vector<ChannelBase*> inputsOf(const std::vector<Channel<In>*>& ins) {
    std::vector<ChannelBase*> out;
    out.reserve(ins.size());
    for (Channel<In>* c : ins) out.push_back(c);
    return out;
  }
  // The non-template halves of addChannel/addStage: what does not depend on
  // the element or body types is compiled once, in the library. Both take
  // ownership of a pointer fresh from `new` (a raw pointer, so generated
  // code instantiates no unique_ptr constructor).
  void adoptChannel(ChannelBase* created, std::int64_t requestedCapacity);
  void adoptStage(detail::StageCore* created, std::vector<ChannelBase*> outputs);
  void noteConfigError(std::string message);
  [[nodiscard]] bool validate();
  Report buildReport(std::int64_t elapsedNs, int exitCode) const;
  /// Some stage lost an item no policy handled (exit status 3).
  [[nodiscard]] bool hasUnhandledFailures() const noexcept;

  std::vector<std::unique_ptr<ChannelBase>> channels_;
  std::vector<std::unique_ptr<detail::StageCore>> stages_;
  std::chrono::nanoseconds deadline_{0};  // 0 = none
  std::chrono::nanoseconds monitor_{0};   // 0 = off
  bool deadlineOverridden_ = false;
  bool monitorOverridden_ = false;
  std::map<std::string, std::int64_t> workerOverrides_;
  const std::atomic<int>* interruptFlag_ = nullptr;
  int threads_ = 0;
  std::uint64_t seed_ = 0;
  bool hasSeed_ = false;
  std::string configError_;
  struct Ticker {
    std::chrono::nanoseconds period;
    std::function<void(std::chrono::nanoseconds)> tick;
    Deadline next;
  };
  std::vector<Ticker> tickers_;
  std::uint64_t traceSampleEvery_ = 0;  // 0: no trace
  std::unique_ptr<detail::TraceRecorder> trace_;
  std::unique_ptr<detail::RunShared> run_;
  bool started_ = false;
  bool waited_ = false;
};

}  // namespace flow
