// flow/detail/scheduler.h — runs coroutines on a small pool of threads.
// Each thread has a one-slot "run next" (like Go's runnext): a coroutine
// woken by code running on a scheduler thread runs next on that same thread,
// so a channel hand-off between two coroutines costs a cache-line transfer,
// not a futex wake. Everything else goes through one shared FIFO. Idle
// threads spin briefly (stealing a run-next that sat unclaimed) before they
// park. Cooperative: a coroutine that never suspends keeps its thread.
// Does not know about channels, timers or pipelines.
#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace flow::detail {

class Scheduler;
/// The scheduler whose thread is running the caller (Scheduler::current()).
/// Inline, so every awaiter that suspends reads it without a call.
inline thread_local Scheduler* tCurrentScheduler = nullptr;

class Scheduler {
 public:
  /// `threads` <= 0 means defaultThreads().
  explicit Scheduler(int threads);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Hardware concurrency, or FLOW_THREADS if set to a positive integer.
  static int defaultThreads();
  /// The scheduler whose thread is running the caller, or null.
  static Scheduler* current() noexcept { return tCurrentScheduler; }

  /// Starts the threads. Not thread-safe; call once.
  void start();
  /// Makes every thread exit once the queue is empty and joins them. The
  /// caller must ensure no coroutine is still runnable or will be woken.
  void stop();

  /// Makes `h` runnable. Thread-safe. Never blocks for long. May allocate.
  void schedule(std::coroutine_handle<> h) noexcept;
  /// Makes `h` runnable on the shared queue (never the caller's run-next),
  /// waking a parked thread if none spins. Thread-safe.
  void scheduleShared(std::coroutine_handle<> h) noexcept { pushGlobal(h); }
  /// Makes every handle runnable under one lock (timer batches).
  void scheduleBatch(std::span<const std::coroutine_handle<>> hs) noexcept;

  [[nodiscard]] int threadCount() const noexcept { return threadCount_; }

 private:
  struct alignas(64) Slot {
    std::atomic<void*> runNext{nullptr};  // a coroutine address, or null
    // Bumped by the owning thread each time it fills runNext, so a spinner
    // can tell "the same coroutine has waited there all along" from "the
    // slot was taken and refilled" (a ping-pong refills it with the same
    // address every hop). Written only by the owner.
    std::atomic<std::uint32_t> fills{0};
  };
  void run(int index);
  std::coroutine_handle<> takeGlobal() noexcept;
  std::coroutine_handle<> spinForWork(int index) noexcept;
  void pushGlobal(std::coroutine_handle<> h) noexcept;
  void wakeIdleIfNoSpinner() noexcept;
  /// schedule()'s variant: gives up rather than wait for mu_.
  void wakeIdleForRunNext() noexcept;
  /// Requires mu_. Stores idleHint_ after parked_ or wakeups_ changed.
  void publishIdleLocked() noexcept {
    idleHint_.store(parked_ > wakeups_ ? parked_ - wakeups_ : 0, std::memory_order_release);
  }

  int threadCount_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;

  std::mutex mu_;  // Guards queue_, parked_, wakeups_, stopping_. Never held
                   // while resuming a coroutine.
  std::condition_variable cv_;
  std::deque<std::coroutine_handle<>> queue_;
  int parked_ = 0;   // threads waiting on cv_
  int wakeups_ = 0;  // pending "go look for work" tokens for parked threads
  bool stopping_ = false;
  std::atomic<std::size_t> queued_{0};  // == queue_.size(), readable without mu_
  std::atomic<int> idleHint_{0};        // parked threads no wake-up token is on its way to
                                        // (parked_ - wakeups_, at least 0), readable without mu_
  std::atomic<int> spinning_{0};        // threads spinning for work
};

}  // namespace flow::detail
