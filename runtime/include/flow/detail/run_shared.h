// flow/detail/run_shared.h — the state one pipeline run shares between its
// workers, its timer and the thread that waits for it: the scheduler, the
// timer queue, the cancellation flag and first exit reason, and the count
// of live workers. Created by Pipeline::start(), destroyed by the Pipeline
// after wait() has joined every thread. Does not know stage types.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "flow/channel_base.h"
#include "flow/detail/scheduler.h"
#include "flow/detail/timer.h"
#include "flow/task.h"
#include "flow/time.h"

namespace flow::detail {

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
};

}  // namespace flow::detail
