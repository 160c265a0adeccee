// flow/detail/run_shared.h — the state one pipeline run shares between its
// workers, its timer and the thread that waits for it: the scheduler, the
// timer queue, the cancellation flag and first exit reason, the count of
// live workers, and the services (HTTP, files) started on first use. Created by Pipeline::start(), destroyed
// by the Pipeline after wait() has joined every thread. Does not know stage types.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "flow/channel_base.h"
#include "flow/detail/scheduler.h"
#include "flow/detail/timer.h"
#include "flow/task.h"
#include "flow/time.h"

namespace flow::detail {

/// A facility a run starts on first use — the HTTP client, the files
/// `write_line` opened — and owns until the run ends. Programs that never
/// use one never start it (nor link it: the core reaches it only through
/// this interface).
class RunService {
 public:
  enum class Kind : std::uint8_t { Http, Files };
  static constexpr std::size_t kKinds = 2;

  virtual ~RunService() = default;
  /// The run is being cancelled (deadline, interrupt, `on_error stop`):
  /// stop what is in flight and wake whoever waits on it. Thread-safe.
  /// Idempotent. Never blocks for long.
  virtual void cancel() noexcept = 0;
  /// The run has ended: every worker finished, nothing uses the service
  /// any more. Flushes and releases everything; returns what could not be
  /// done (`cannot write out.txt: No space left on device`), one message
  /// each. Called once, by the thread that waited for the run.
  [[nodiscard]] virtual std::vector<std::string> close() = 0;
};

struct RunShared {
  explicit RunShared(int threads) : sched(threads), start(Clock::now()) {}

  /// Cancels the run: records `exitCode` if it is the first reason, then
  /// wakes every blocked operation and sleep. Thread-safe. Idempotent.
  void cancel(int exitCode) noexcept;
  [[nodiscard]] bool isCancelled() const noexcept { return cancelled.load(std::memory_order_acquire); }
  /// Runs `worker` to completion on the scheduler; counts it as live.
  void spawn(Task worker);
  /// Called by each spawned worker as its very last action.
  void workerDone() noexcept;
  /// The run's service of `kind`, made by `make(*this)` on first use (a
  /// service made after cancel() is cancelled at once). Thread-safe.
  RunService& service(RunService::Kind kind, RunService* (*make)(RunShared&));
  /// Closes every service that was started (RunService::close) and
  /// returns their failures. Call once, after the last worker finished.
  [[nodiscard]] std::vector<std::string> closeServices();

  Scheduler sched;
  TimerQueue timers;
  const Clock::time_point start;
  std::uint64_t seed = 0;  // of every worker's generator (flow/random.h); fixed before start
  std::atomic<bool> cancelled{false};
  std::vector<ChannelBase*> channels;  // everything cancel() must wake; fixed before start

  std::mutex mu;               // Guards exitCode and live. Never held while waking waiters.
  std::condition_variable cv;  // signalled when live drops to 0 or on cancel
  int exitCode = 0;            // the first cancel reason (its exit status), 0 if none
  std::int64_t live = 0;       // spawned workers not yet finished

  std::mutex servicesMu;  // Guards services. Held while a service is made or cancelled, never by it.
  std::unique_ptr<RunService> services[RunService::kKinds];
  std::atomic<RunService*> serviceFast[RunService::kKinds] = {};  // published services, read without the lock
};

}  // namespace flow::detail
