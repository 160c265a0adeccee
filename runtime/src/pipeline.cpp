// pipeline.cpp — validating, starting, waiting for and reporting a run.
// wait() is the only place that enforces the deadline, watches the
// interrupt flag and prints monitor lines; it sleeps on the run's condition
// variable between those events (polling the flag every 10 ms when one is
// set, since a signal handler cannot notify a condition variable).
#include "flow/pipeline.h"

#include <algorithm>

#include "flow/format.h"
#include "flow/random.h"
#include "suggest.h"

namespace flow {
namespace {
constexpr auto kInterruptPoll = std::chrono::milliseconds(10);
constexpr int kExitInterrupted = 130;
constexpr int kExitDeadline = 124;
constexpr int kExitBadConfig = 2;
constexpr int kExitFailedItems = 3;
/// How often a trace samples channel lengths (a counter event only when
/// one changed).
constexpr auto kTraceSamplePeriod = std::chrono::milliseconds(5);
}  // namespace

Pipeline::Pipeline() = default;

Pipeline::~Pipeline() {
  if (started_ && !waited_) {
    cancel();
    (void)wait();
  }
}

void Pipeline::setDeadline(std::chrono::nanoseconds d) noexcept {
  if (!deadlineOverridden_) deadline_ = d;
}
void Pipeline::setMonitor(std::chrono::nanoseconds period) noexcept {
  if (!monitorOverridden_) monitor_ = period;
}
void Pipeline::overrideDeadline(std::chrono::nanoseconds d) noexcept {
  deadline_ = d;
  deadlineOverridden_ = true;
}
void Pipeline::overrideMonitor(std::chrono::nanoseconds period) noexcept {
  monitor_ = period;
  monitorOverridden_ = true;
}
void Pipeline::overrideWorkers(const std::string& stage, std::int64_t workers) {
  workerOverrides_[stage] = workers;
}

void Pipeline::adoptChannel(ChannelBase* created, std::int64_t requestedCapacity) {
  std::unique_ptr<ChannelBase> ch(created);
  if (requestedCapacity < 0)
    noteConfigError("channel `" + ch->name() + "`: capacity must not be negative, got " +
                    std::to_string(requestedCapacity));
  channels_.push_back(std::move(ch));
}

void Pipeline::adoptStage(detail::StageCore* created, std::vector<ChannelBase*> outputs) {
  std::unique_ptr<detail::StageCore> stage(created);
  stage->setOutputs(std::move(outputs));
  stages_.push_back(std::move(stage));
}

void Pipeline::noteConfigError(std::string message) {
  if (configError_.empty()) configError_ = std::move(message);
}

bool Pipeline::validate() {
  for (const auto& override : workerOverrides_) {
    // Not a structured binding: clang++ 14 cannot capture one in a lambda.
    const std::string& name = override.first;
    const std::int64_t n = override.second;
    auto it = std::find_if(stages_.begin(), stages_.end(), [&](const auto& s) { return s->name() == name; });
    if (it == stages_.end()) {
      std::vector<std::string> names;
      for (const auto& s : stages_) names.push_back(s->name());
      const std::string best = detail::closestName(name, names, detail::Closeness::Loose);
      noteConfigError("--workers: no stage named `" + name + "`" +
                      (best.empty() ? std::string() : "; did you mean `" + best + "`?"));
      continue;
    }
    (*it)->setWorkers(n);
  }
  for (const auto& s : stages_) {
    const StageOptions& o = s->options();
    const std::string where = "stage `" + s->name() + "`: ";
    if (o.workers < 1)
      noteConfigError(where + "workers must be at least 1, got " + std::to_string(o.workers));
    if (o.workers > kMaxWorkers)
      noteConfigError(where + "workers must be at most " + std::to_string(kMaxWorkers) + ", got " +
                      std::to_string(o.workers));
    if (o.timeout.count() < 0) noteConfigError(where + "timeout must not be negative");
    if (o.retries < 0)
      noteConfigError(where + "retry count must not be negative, got " + std::to_string(o.retries));
    if (o.backoff.count() < 0) noteConfigError(where + "backoff must not be negative");
    // A batched body with a size below 1 got it from a param's flag: name the value.
    if (o.batch < 0 || (o.batch == 0 && s->isBatched()))
      noteConfigError(where + "batch size must be at least 1, got " + std::to_string(o.batch));
    if (o.batch > 0 && !s->isBatched()) noteConfigError(where + "a batch size needs a body that takes lists");
    if (o.batchWithin.count() < 0) noteConfigError(where + "batch `within` must not be negative");
    if (o.every.count() < 0) noteConfigError(where + "`every` must not be negative");
    if (o.onError == OnError::Route && o.routeTo == nullptr)
      noteConfigError(where + "on_error route without a channel");
    if (o.routeTo != nullptr && s->kind() != StageKind::Source && !s->canRouteTo(*o.routeTo))
      noteConfigError(where + "route channel `" + o.routeTo->name() +
                      "` carries neither the input type T nor Failed<T>");
  }
  if (deadline_.count() < 0) noteConfigError("deadline must not be negative");
  if (monitor_.count() < 0) noteConfigError("monitor period must not be negative");
  if (monitor_.count() > 0 && monitor_ < kMinMonitorPeriod)
    noteConfigError("monitor period must be 0 (off) or at least " + str(kMinMonitorPeriod) + ", got " +
                    str(monitor_));
  return configError_.empty();
}

StartStatus Pipeline::start() {
  if (started_) return StartStatus::AlreadyStarted;
  if (!validate()) return StartStatus::BadConfig;
  started_ = true;
  run_ = std::make_unique<detail::RunShared>(threads_);
  run_->seed = hasSeed_ ? seed_ : randomSeed();
  for (const auto& ch : channels_) run_->channels.push_back(ch.get());
  for (const auto& s : stages_) {
    for (ChannelBase* internal : s->prepare()) run_->channels.push_back(internal);
  }
  // A channel nobody can ever write is closed now, so its readers finish.
  for (const auto& ch : channels_) {
    if (ch->writers() == 0) ch->close();
  }
  if (traceSampleEvery_ > 0) {
    trace_ = std::make_unique<detail::TraceRecorder>(traceSampleEvery_, run_->start);
    for (const auto& s : stages_) {
      std::vector<detail::TraceBuffer*> buffers;
      for (std::int64_t w = 0; w < s->options().workers; ++w)
        buffers.push_back(&trace_->addWorker(s->name(), w));
      s->setTraceBuffers(std::move(buffers));
    }
    std::vector<const ChannelBase*> watched;
    for (const auto& ch : channels_) watched.push_back(ch.get());
    trace_->setChannels(std::move(watched));
    detail::gDropObserver.store(&detail::TraceRecorder::noteDrop, std::memory_order_relaxed);
    detail::TraceRecorder* recorder = trace_.get();
    tickers_.push_back(Ticker{
        kTraceSamplePeriod, [recorder](std::chrono::nanoseconds) { recorder->sampleChannels(Clock::now()); },
        kNoDeadline});
  }
  for (Ticker& t : tickers_) t.next = run_->start + std::chrono::duration_cast<Clock::duration>(t.period);
  // On the virtual clock, simulated time stops at the alarm wait() sets
  // until wait() has acted on it; the timer says when it got there.
  detail::RunShared* run = run_.get();
  // Held at the start until wait() sets the first real alarm: simulated
  // time must not move while the workers are still being spawned (the
  // first ones may all be waiting before the last one exists).
  run_->timers.setAlarm(run_->start);
  run_->timers.start(&run_->sched, [run] {
    { std::lock_guard<std::mutex> lock(run->mu); }
    run->cv.notify_all();
  });
  run_->sched.start();
  for (const auto& s : stages_) {
    for (std::int64_t w = 0; w < s->options().workers; ++w) run_->spawn(s->runWorker(*run_, w));
    if (s->isKeyed() && s->kind() != StageKind::Source) run_->spawn(s->runDispatcher(*run_));
  }
  return StartStatus::Ok;
}

void Pipeline::enableTrace(std::uint64_t sampleEvery) {
  traceSampleEvery_ = sampleEvery < 1 ? 1 : sampleEvery;
}

bool Pipeline::writeTrace(const std::string& path, const std::string& pipeline, std::string& error) const {
  if (!trace_) {
    error = "no trace was recorded";
    return false;
  }
  return trace_->write(path, pipeline, error);
}

bool Pipeline::traceTruncated() const noexcept { return trace_ && trace_->truncated(); }

void Pipeline::every(std::chrono::nanoseconds period, std::function<void(std::chrono::nanoseconds)> tick) {
  tickers_.push_back(Ticker{period, std::move(tick), kNoDeadline});
}

Report Pipeline::liveReport() const {
  const std::int64_t elapsed =
      run_ ? std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - run_->start).count() : 0;
  return buildReport(elapsed, 0);
}

void Pipeline::cancel() noexcept {
  if (run_) run_->cancel(kExitInterrupted);
}

std::vector<ChannelStats> Pipeline::channelStats() const {
  std::vector<ChannelStats> out;
  for (const auto& ch : channels_) out.push_back(ch->stats());
  return out;
}

Report Pipeline::wait() {
  if (!started_ || waited_) return buildReport(0, started_ ? run_->exitCode : kExitBadConfig);
  waited_ = true;
  detail::RunShared& run = *run_;
  // The deadline counts from start(), not from when the host calls wait().
  const Deadline deadline = deadline_.count() > 0
                                ? run.start + std::chrono::duration_cast<Clock::duration>(deadline_)
                                : kNoDeadline;
  Deadline nextMonitor = monitor_.count() > 0 ? deadlineAfter(monitor_) : kNoDeadline;
  {
    std::unique_lock<std::mutex> lock(run.mu);
    const bool simulated = detail::virtualClockOn();
    while (run.live > 0) {
      Deadline wakeAt = std::min(nextMonitor, run.isCancelled() ? kNoDeadline : deadline);
      for (const Ticker& t : tickers_) wakeAt = std::min(wakeAt, t.next);
      if (simulated) {
        // Simulated time stops at wakeAt until this thread has acted on
        // it; the timer wakes this thread when it gets there.
        run.timers.setAlarm(wakeAt);
        run.cv.wait_for(lock, kInterruptPoll);
      } else {
        if (interruptFlag_ != nullptr) wakeAt = std::min(wakeAt, Clock::now() + kInterruptPoll);
        if (wakeAt == kNoDeadline)
          run.cv.wait(lock);
        else
          run.cv.wait_until(lock, toRealTime(wakeAt));
      }
      if (run.live == 0) break;
      const auto now = Clock::now();
      const bool interrupted =
          interruptFlag_ != nullptr && interruptFlag_->load(std::memory_order_relaxed) != 0;
      const bool late = now >= deadline;
      if (now >= nextMonitor) {
        lock.unlock();
        eprint(formatMonitorLine(now - run.start, channelStats()));
        lock.lock();
        nextMonitor = deadlineAfter(monitor_);
      }
      for (Ticker& t : tickers_) {
        if (now < t.next) continue;
        lock.unlock();
        t.tick(now - run.start);
        lock.lock();
        t.next = Clock::now() + std::chrono::duration_cast<Clock::duration>(t.period);
      }
      if (!run.isCancelled() && (interrupted || late)) {
        lock.unlock();
        run.cancel(interrupted ? kExitInterrupted : kExitDeadline);
        lock.lock();
      }
    }
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - run.start).count();
  run.sched.stop();
  run.timers.stop();
  // Every worker is done: the last tick sees the final figures.
  for (Ticker& t : tickers_) t.tick(std::chrono::nanoseconds(elapsed));
  // Files are flushed and closed, connections closed, also after a cancel.
  const std::vector<std::string> closeFailures = run.closeServices();
  for (const std::string& failure : closeFailures) eprint("error: " + failure);
  flushOutput();
  int exitCode = 0;
  {
    std::lock_guard<std::mutex> lock(run.mu);
    exitCode = run.exitCode;
  }
  // A run that was not cancelled but lost items nobody handled still says
  // so in its status; a cancellation's status (1, 124, 130) wins. Output
  // lost when the files were closed belongs to no item: a fault.
  if (exitCode == 0 && hasUnhandledFailures()) exitCode = kExitFailedItems;
  if (!closeFailures.empty() && (exitCode == 0 || exitCode == kExitFailedItems)) exitCode = 1;
  return buildReport(elapsed, exitCode);
}

Report Pipeline::run() {
  if (start() != StartStatus::Ok) return buildReport(0, kExitBadConfig);
  return wait();
}

bool Pipeline::hasUnhandledFailures() const noexcept {
  return std::any_of(stages_.begin(), stages_.end(), [](const auto& s) { return s->hasUnhandledFailures(); });
}

Report Pipeline::buildReport(std::int64_t elapsedNs, int exitCode) const {
  Report r;
  r.exitCode = exitCode;
  r.elapsed = std::chrono::nanoseconds(elapsedNs);
  for (const auto& s : stages_) r.stages.push_back(s->stats());
  r.channels = channelStats();
  return r;
}

}  // namespace flow
